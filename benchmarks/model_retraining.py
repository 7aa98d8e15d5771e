"""A full retrain-evaluate-promote cycle of the model registry, timed, on the database
DATABASE_URL names (meant for the seeded 1M-booking marketplace, or the demo data).

1. A champion is trained on older bookings (up to --champion-days-ago days ago),
   registered, and promoted as if that many days ago.
2. With --decay, an exposure log is written through the experiments app's services:
   the champion's lists clicked at 10% in its first week, 5% in the last one, the
   control arm's at 10% (a synthetic log: the seeded data has no exposures).
3. The monitoring runs at "now" (retrain_if_degraded's service): its checks, then,
   if one fired (or --force), a challenger trained on recent bookings, both models
   evaluated on the held-out days, and the verdict.

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/model_retraining.py --decay
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from marketplace.models import Booking, Offer, User  # noqa: E402
from recommendations.management.commands.retrain_if_degraded import outcome_text  # noqa: E402
from recommendations.models import ModelVersion  # noqa: E402
from recommendations.registry import learner  # noqa: E402
from recommendations.registry.retraining import model_retrain_if_degraded  # noqa: E402
from recommendations.registry.services import (  # noqa: E402
    model_version_promote,
    model_version_register,
)
from tests.recommendations.registry.exposure_history import lists_shown  # noqa: E402

DAY = timedelta(days=1)
EXPOSED_PEOPLE = 300


def champion_from_older_data(*, now, days_ago: int) -> tuple[ModelVersion, float]:
    started = time.perf_counter()
    until = now - days_ago * DAY
    trained = learner.challenger_train(
        since=until - settings.MODEL_RETRAIN_TRAINING_DAYS * DAY, until=until
    )
    version = model_version_register(
        artifact_name=trained.artifact_name, metadata_name=trained.metadata_name
    )
    model_version_promote(
        version_id=version.version_id, actor="benchmark", reason="champion of older data"
    )
    ModelVersion.objects.filter(pk=version.pk).update(promoted_at=until)
    return version, time.perf_counter() - started


def decaying_exposures(*, now, champion: ModelVersion, days_ago: int) -> None:
    """The champion's lists clicked at 10% in its first week and 5% in the last; the control's
    lists (other offers, so that bookings follow one arm's click) at 10% in the last week."""
    rng = np.random.default_rng(0)
    shoppers = list(User.objects.filter(bookings__isnull=False).distinct()[:EXPOSED_PEOPLE])
    offers = list(Offer.objects.order_by("-booked_quantity")[:20])
    week = dict(rng=rng, shoppers=shoppers, days=7)
    champion_lists = dict(
        week, catalogue=offers[:10], strategy="ml", variant="treatment",
        model_version=champion.version_id,
    )  # fmt: skip
    lists_shown(**champion_lists, since=now - days_ago * DAY, ctr=0.10)
    lists_shown(**champion_lists, since=now - 7 * DAY, ctr=0.05)
    lists_shown(
        **week, catalogue=offers[10:], strategy="geo", variant="control",
        since=now - 7 * DAY, ctr=0.10,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--champion-days-ago", type=int, default=45)
    parser.add_argument("--decay", action="store_true", help="write a decaying exposure log")
    parser.add_argument("--force", action="store_true", help="retrain even if nothing fires")
    args = parser.parse_args()
    now = timezone.now()
    print(
        f"{Booking.objects.count()} bookings, {User.objects.count()} users; load {os.getloadavg()}"
    )
    champion, champion_seconds = champion_from_older_data(now=now, days_ago=args.champion_days_ago)
    print(f"Champion {champion.version_id} trained in {champion_seconds:.1f} s "
          f"on {champion.trained_since:%Y-%m-%d} to {champion.trained_until:%Y-%m-%d}")  # fmt: skip
    if args.decay:
        decaying_exposures(now=now, champion=champion, days_ago=args.champion_days_ago)
    started = time.perf_counter()
    outcome = model_retrain_if_degraded(now=now, actor="benchmark", force=args.force)
    cycle = time.perf_counter() - started
    print(outcome_text(outcome))
    challenger = outcome.challenger.metadata if outcome.challenger else {}
    training = (challenger.get("metrics") or {}).get("train_seconds")
    print(f"Full monitor-retrain-evaluate-promote cycle: {cycle:.1f} s "
          f"(challenger training {training} s); load {os.getloadavg()}")  # fmt: skip


if __name__ == "__main__":
    main()
