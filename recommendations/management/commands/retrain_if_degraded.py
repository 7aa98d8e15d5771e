"""Check the champion's health and retrain behind the promotion gate if it degraded."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from recommendations.models import RetrainingDecision
from recommendations.registry.retraining import RetrainingOutcome, model_retrain_if_degraded


def moment(text: str):
    parsed = parse_datetime(text)
    if parsed is None:
        raise ValueError(text)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = (
        "Measure the champion (online rates, input drift, age); if a check fires, train a "
        "challenger, evaluate both on the held-out days and promote only a better one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="measure and report; change nothing"
        )
        parser.add_argument("--force", action="store_true", help="retrain even if no check fired")
        parser.add_argument(
            "--now",
            type=moment,
            help="the moment to judge at (ISO date-time; default: now), to replay past data",
        )

    def handle(self, *args, dry_run: bool, force: bool, now, **options) -> None:
        try:
            outcome = model_retrain_if_degraded(
                now=now or timezone.now(),
                actor="command retrain_if_degraded",
                dry_run=dry_run,
                force=force,
            )
        except Exception as error:
            raise CommandError(f"Monitoring failed: {error}") from None
        self.stdout.write(outcome_text(outcome))
        # A failed run exits non-zero, or cron and the scheduler take it for a success.
        if outcome.verdict == RetrainingDecision.Verdict.FAILED:
            raise CommandError(outcome.reason)


def outcome_text(outcome: RetrainingOutcome) -> str:
    report = outcome.report
    champion = report.champion.version_id if report.champion else "none"
    lines = [f"Champion: {champion}", "Checks:"]
    for check in report.checks:
        mark = "FIRED" if check.fired else "ok"
        lines.append(f"  {mark:5} {check.name}: {check.detail}")
    if outcome.champion_metrics or outcome.challenger_metrics:
        lines.append("Held-out evaluation (champion | challenger):")
        names = sorted(set(outcome.champion_metrics) | set(outcome.challenger_metrics))
        for name in names:
            left = outcome.champion_metrics.get(name, "-")
            right = outcome.challenger_metrics.get(name, "-")
            lines.append(f"  {name:24} {cell(left):>12} | {cell(right):>12}")
    if outcome.challenger is not None:
        lines.append(f"Challenger: {outcome.challenger.version_id}")
    verdict = outcome.verdict or "dry run"
    lines.append(f"Verdict: {verdict}: {outcome.reason}")
    return "\n".join(lines)


def cell(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
