"""Print the experiment report of a canary flag: figures per variant with their 95%
intervals, treatment - control with p-values, the sample-ratio check and the verdict."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils import timezone

from config.command_options import date_option
from experiments.formatting import difference_text, estimate_text, p_value_text
from experiments.report import ExperimentReport, ExperimentReportError, experiment_report_build
from marketplace.services import OFFERS_EARLIEST_DATE


class Command(BaseCommand):
    help = (
        "Report on the canary flag --flag over --from/--to, days from 2000-01-01 to today "
        "(default: since the flag was created, until today); --json prints every figure as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--flag", required=True, help="name of the waffle flag")
        parser.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    # Operators' output is English (ADR 0027): the verdict and labels, translated on the
    # staff page, would otherwise come out in French inside English sentences.
    @no_translations
    def handle(self, *args, **options) -> None:
        try:
            report = experiment_report_build(
                flag_name=options["flag"],
                date_from=parse_date(options["date_from"], "--from"),
                date_to=parse_date(options["date_to"], "--to"),
            )
        except ExperimentReportError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write("\n".join(report_lines(report)))


def parse_date(text: str | None, option: str) -> date | None:
    """A day of the site's life: nothing is measured after today or before its earliest
    offers, and a day near date.max would overflow the period's end."""
    if text is None:
        return None
    return date_option(
        text, option=option, earliest=OFFERS_EARLIEST_DATE, latest=timezone.localdate()
    )


def report_lines(report: ExperimentReport) -> list[str]:
    control, treatment = report.variants
    sample_ratio = report.comparison.sample_ratio
    lines = [
        f"Experiment {report.flag}: {report.percent:g} % in treatment, "
        f"{report.date_from.isoformat()} to {report.date_to.isoformat()}",
        f"Users assigned: {report.users_assigned[control]} {control}, "
        f"{report.users_assigned[treatment]} {treatment}",
        *(f"Note: {note}" for note in report.audience_notes),
        "",
    ]
    for metric in report.comparison.metrics:
        lines += [
            f"{metric.label}",
            f"  {control:<10} {estimate_text(metric.control, metric.unit)}",
            f"  {treatment:<10} {estimate_text(metric.treatment, metric.unit)}",
            f"  difference {difference_text(metric.difference, metric.unit)} ({metric.test})",
        ]
    ratio_p = "n/a" if sample_ratio.p_value is None else p_value_text(sample_ratio.p_value)
    lines += [
        "",
        f"Sample ratio: {sample_ratio.observed[0]} / {sample_ratio.observed[1]} exposed, "
        f"chi-square {ratio_p}" + (" — MISMATCH" if sample_ratio.mismatch else ""),
        f"Verdict: {report.comparison.verdict}",
    ]
    return lines
