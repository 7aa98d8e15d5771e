"""`manage.py train_model [--since DATE] [--until DATE] [--seed N]`: train and store the ranker."""

import json
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from config.command_options import SEED_MAX, date_option, seed_option
from recommendations.ranking.artifact import ArtifactError
from recommendations.ranking.services import ranker_model_train
from recommendations.ranking.training import TrainingError


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = (
        "Train the ml ranker on the live bookings of a window and store it as the latest model. "
        "Dates are days of bookings already made: today at the latest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="first day of bookings learned from (YYYY-MM-DD)")
        parser.add_argument(
            "--until", help="last day of bookings learned from (YYYY-MM-DD, today at the latest)"
        )
        parser.add_argument("--seed", type=int, default=0, help=f"0 to {SEED_MAX} (default 0)")

    def handle(self, *args, since=None, until=None, seed=0, **options) -> None:
        # A model learns from bookings already made: a later day holds none, and the
        # calendar's last days would overflow the window's end (the next midnight).
        seed_option(seed)
        today = timezone.localdate()
        first = day_start(date_option(since, option="--since", latest=today)) if since else None
        last = (
            day_start(date_option(until, option="--until", latest=today) + timedelta(days=1))
            if until
            else None
        )
        if first and last and first >= last:
            raise CommandError("--since must be on or before --until.")
        try:
            metadata = ranker_model_train(since=first, until=last, seed=seed)
        except (TrainingError, ArtifactError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            json.dumps(
                {
                    key: metadata[key]
                    for key in ("version", "family", "training_window", "data_size", "metrics")
                },
                indent=2,
            )
        )
