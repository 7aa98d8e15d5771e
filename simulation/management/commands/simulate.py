"""`manage.py simulate`: run simulated shoppers through the whole loop, day by day."""

import json
from datetime import datetime
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from tqdm import tqdm

from config.command_options import SEED_MAX, int_option, seed_option
from recommendations.strategies import strategy_names
from simulation.behaviour import DRIFTS
from simulation.database import DatabaseRefused, sqlite_database_use
from simulation.isolation import services_in_process
from simulation.loop import VARIANTS, SimulationSettings, simulation_run
from simulation.recovery import RECOVERY_DAYS, RECOVERY_SHARE
from simulation.services import result_series, simulation_result_store

# Users: forty times the largest run ADR 0031 measures (5,000). Days: two years, against
# its 40- to 60-day runs; longer says nothing more of a catalogue without seasons, and a
# typo of a zero or three would run for days.
MAX_USERS = 200_000
MAX_DAYS = 730


def strategies_parse(text: str) -> dict[str, str]:
    """ "control=popular,treatment=geo" → {"control": "popular", "treatment": "geo"}."""
    pairs = {}
    for part in text.split(","):
        variant, _, strategy = part.strip().partition("=")
        if variant not in VARIANTS or not strategy:
            raise CommandError(
                f"--strategies: {part.strip()!r} is not VARIANT=STRATEGY with VARIANT "
                f"control or treatment."
            )
        if strategy not in strategy_names():
            raise CommandError(
                f"--strategies: unknown strategy {strategy!r}; choose from "
                f"{', '.join(strategy_names())}."
            )
        pairs[variant] = strategy
    if set(pairs) != set(VARIANTS):
        raise CommandError("--strategies needs both control=… and treatment=….")
    return pairs


class Command(BaseCommand):
    help = (
        "Simulate shoppers visiting, reading the newsletter, browsing and booking, day by day, "
        "with a control and a treatment strategy, on a database of its own (a fresh SQLite "
        "file by default). Prints the north star per day and variant."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, required=True, help=f"1 to {MAX_DAYS}")
        parser.add_argument("--users", type=int, default=1_000, help=f"1 to {MAX_USERS}")
        parser.add_argument(
            "--drift-at", type=int, default=None, help="Day the tastes or behaviour drift."
        )
        parser.add_argument(
            "--drift",
            choices=sorted(DRIFTS),
            default="swap",
            help="What drifts: interest swapped between categories of like supply (swap, the "
            "default), moved one way towards venues few live near (one-way), or the pull "
            "of popularity reversed, tastes unchanged (crowd-averse).",
        )
        parser.add_argument(
            "--freeze-model-at",
            type=int,
            default=None,
            help="Day from which the nightly monitoring and retraining stops: run it with the "
            "same seed and --drift-at to see what the retraining adds after the drift.",
        )
        parser.add_argument("--strategies", default="control=popular,treatment=geo")
        parser.add_argument("--seed", type=int, default=1, help=f"0 to {SEED_MAX}")
        parser.add_argument(
            "--database",
            type=Path,
            default=None,
            help="SQLite file to run in (default: a new file under var/simulation/).",
        )
        parser.add_argument("--json", action="store_true", help="Print the series as JSON.")

    # Operators' output is English (ADR 0027), as in experiment_report: the experiment's
    # verdict would otherwise come out in French after the English report line.
    @no_translations
    def handle(self, *args, **options) -> None:
        # Everything is checked before the database file is created and migrated.
        int_option(options["days"], option="--days", low=1, high=MAX_DAYS)
        int_option(options["users"], option="--users", low=1, high=MAX_USERS)
        seed_option(options["seed"])
        drift_at = options["drift_at"]
        if drift_at is not None and not 0 <= drift_at < options["days"]:
            raise CommandError("--drift-at must be a day of the run (0 to --days - 1).")
        frozen_from = options["freeze_model_at"]
        if frozen_from is not None and not 0 <= frozen_from < options["days"]:
            raise CommandError("--freeze-model-at must be a day of the run (0 to --days - 1).")
        sim_settings = SimulationSettings(
            days=options["days"],
            users=options["users"],
            strategies=strategies_parse(options["strategies"]),
            seed=options["seed"],
            drift_at=drift_at,
            drifts=DRIFTS[options["drift"]],
            frozen_from=frozen_from,
        )
        path = options["database"] or default_database_path(seed=sim_settings.seed)
        verbose = options["verbosity"] > 0 and not options["json"]
        try:
            with (
                sqlite_database_use(path=path),
                services_in_process(model_folder=path.with_suffix(".models")),
            ):
                with tqdm(total=sim_settings.days, desc="Simulated days", disable=None) as bar:
                    result = simulation_run(
                        settings=sim_settings, on_day=lambda _: bar.update(1), progress=verbose
                    )
                run = simulation_result_store(result=result)
        except DatabaseRefused as error:
            raise CommandError(str(error)) from None
        series = result_series(result=result)
        if options["json"]:
            self.stdout.write(json.dumps(series, indent=1))
            return
        self.table_write(series)
        self.stdout.write(f"Run {run.pk} stored in {path} ({result.seconds:.0f} s).")

    def table_write(self, series: dict) -> None:
        self.stdout.write("day  date        variant    strategy  bookings  north star  model")
        for day in series["days"]:
            for variant, figures in day["variants"].items():
                star = figures["north_star"]
                self.stdout.write(
                    f"{day['day']:>3}  {day['date']}  {variant:<9}  {figures['strategy']:<8}  "
                    f"{figures['bookings']:>8}  {'-' if star is None else f'{star:.1%}':>10}  "
                    f"{day['model_version'] or '-'}{'  (drift)' if day['drifted'] else ''}"
                )
        decisions = decision_lines(series)
        if decisions:
            self.stdout.write("Monitoring and retraining, night by night:")
            for line in decisions:
                self.stdout.write(line)
        last = series["last_30_days"]
        if last:
            self.stdout.write(comparison_line(last))
        recovery = series["drift_recovery"]
        if recovery:
            drift_at = series["settings"]["drift_at"]
            self.stdout.write(
                f"Recovery after the drift of day {drift_at}: weekly means of drifted days "
                f"against the week before, {RECOVERY_SHARE:.0%} needed within {RECOVERY_DAYS} "
                f"days:"
            )
            for line in recovery_lines(recovery):
                self.stdout.write(line)


def decision_lines(series: dict) -> list[str]:
    """One line per night whose monitoring ran a retraining decision: its verdict and
    the reason the registry gave (the same records `--json` and the database hold)."""
    return [
        f"{day['day']:>3}  {day['date']}  {day['retraining']['verdict']}: "
        f"{day['retraining']['reason']}"
        for day in series["days"]
        if day["retraining"]
    ]


SERIES_LABELS = {"bookings_per_day": "bookings a day", "week_north_star": "7-day north star"}


def recovery_lines(recovery: dict) -> list[str]:
    """Per variant and series: level before, lowest week, second week (share), verdict."""

    def figure(value: float | None, kind: str) -> str:
        if value is None:
            return "-"
        return f"{value:.1%}" if kind == "week_north_star" else f"{value:.1f}"

    lines = []
    for variant, series in recovery.items():
        for kind, label in SERIES_LABELS.items():
            r = series[kind]
            share = r["second_week_share"]
            if r["fell"] is False:
                verdict = f"never under {RECOVERY_SHARE:.0%}"
            elif r["recovered_on"] is not None:
                verdict = f"recovered on day {r['recovered_on']}"
            else:
                verdict = "not recovered"
            lines.append(
                f"  {variant:<9}  {label:<16}  before {figure(r['before'], kind)}, lowest week "
                f"{figure(r['lowest'], kind)}, second week {figure(r['second_week'], kind)} "
                f"({'-' if share is None else f'{share:.0%}'}): {verdict}"
            )
    return lines


def comparison_line(comparison: dict) -> str:
    """The experiment report's north star per variant over the period, with intervals."""
    star = comparison["north_star"]

    def share(estimate: dict) -> str:
        if estimate["value"] is None:
            return "-"
        return (
            f"{estimate['value']:.1%} [{estimate['low']:.1%}, {estimate['high']:.1%}]"
            if estimate["low"] is not None
            else f"{estimate['value']:.1%}"
        )

    difference = star["difference"]
    gap = (
        "-"
        if difference["value"] is None
        else f"{difference['value'] * 100:+.1f} points "
        f"[{difference['low'] * 100:+.1f}, {difference['high'] * 100:+.1f}]"
    )
    return (
        f"North star, {comparison['date_from']} to {comparison['date_to']} (experiment report): "
        f"control {share(star['control'])}, treatment {share(star['treatment'])}, "
        f"difference {gap}. {comparison['verdict']}"
    )


def default_database_path(*, seed: int) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(django_settings.BASE_DIR) / "var" / "simulation" / f"seed{seed}-{stamp}.sqlite3"
