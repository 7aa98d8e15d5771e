"""Compute and store the daily metrics of one date, or of the N days ending on it."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from config.command_options import date_option
from metrics.services import METRICS_EARLIEST_DATE, metrics_compute_for_day, metrics_days_ending


class Command(BaseCommand):
    help = (
        "Compute the metrics of --date (default today), or with --backfill-days N of the "
        "N days ending on it. Recomputing a date replaces its stored metrics."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help=f"YYYY-MM-DD, in the site's time zone, from {METRICS_EARLIEST_DATE} to today "
            "(default today)",
        )
        parser.add_argument(
            "--backfill-days", default="1", help="how many days ending on --date (default 1)"
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        end = (
            date_option(
                options["date"], option="--date", earliest=METRICS_EARLIEST_DATE, latest=today
            )
            if options["date"]
            else today
        )
        days = parse_day_count(options["backfill_days"])
        most = (end - METRICS_EARLIEST_DATE).days + 1
        if days > most:
            raise CommandError(
                f"Invalid --backfill-days {days}: at most {most} days end on {end.isoformat()} "
                f"without reaching before {METRICS_EARLIEST_DATE.isoformat()}."
            )
        for day in tqdm(metrics_days_ending(end=end, days=days), desc="metrics", unit="day"):
            metrics_compute_for_day(day=day)
        self.stdout.write(f"Computed the metrics of {days} day(s) ending on {end.isoformat()}.")


def parse_day_count(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise CommandError(
            f"Invalid --backfill-days {text!r}: expected a whole number of days ≥ 1."
        )
    return days
