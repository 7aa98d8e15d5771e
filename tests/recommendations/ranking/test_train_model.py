import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketplace.models import Booking, Offer
from recommendations.ranking.artifact import artifact_load
from recommendations.tasks import ranker_model_train_task
from tests.factories import CategoryFactory, UserFactory, VenueFactory
from tests.recommendations.ranking.test_serving import model_store  # noqa: F401 - autouse

SLUGS = ("live-music", "museums-heritage", "cinema")


def booking_history(*, users: int = 40, offers: int = 30, per_user: int = 8) -> None:
    """Shoppers of Lyon booking mostly one category each, over two months."""
    rng = np.random.default_rng(5)
    categories = [CategoryFactory(slug=slug) for slug in SLUGS]
    venues = [VenueFactory(latitude=45.75 + 0.01 * i, longitude=4.85) for i in range(5)]
    now = timezone.now()
    created = Offer.objects.bulk_create(
        Offer(
            title=f"Offer {i}",
            category=categories[i % 3],
            venue=venues[i % 5],
            price=Decimal("12.00"),
            starts_at=now + timedelta(days=5 + i),
            stock=None,
        )
        for i in range(offers)
    )
    # On sale since before the first booking (created_at is set on insert).
    Offer.objects.update(created_at=now - timedelta(days=90))
    shoppers = UserFactory.create_batch(users)
    rows = []
    for number, shopper in enumerate(shoppers):
        liked = [offer for offer in created if offer.category_id == categories[number % 3].pk]
        picks = rng.choice(len(liked), size=per_user, replace=False)
        for day, pick in zip(sorted(rng.random(per_user) * 60), picks, strict=True):
            rows.append(
                Booking(
                    user=shopper,
                    offer=liked[pick],
                    amount=Decimal("12.00"),
                    created_at=now - timedelta(days=61 - day),
                )
            )
    Booking.objects.bulk_create(rows)


@pytest.mark.django_db
def test_train_model_stores_a_model_with_its_metadata():
    booking_history()
    out = StringIO()
    call_command("train_model", "--seed", "3", stdout=out)
    printed = json.loads(out.getvalue())
    trained, metadata = artifact_load()
    assert metadata["version"] == printed["version"]
    assert metadata["seed"] == 3
    assert metadata["data_size"]["interactions"] == Booking.objects.count()
    assert {"hist_gradient_boosting", "logistic_regression"} <= set(metadata["metrics"]["families"])
    assert metadata["library_versions"]["scikit-learn"]
    assert trained.family == metadata["family"]


@pytest.mark.django_db
def test_train_model_refuses_a_window_without_enough_bookings():
    booking_history()
    with pytest.raises(CommandError, match="Too"):
        call_command("train_model", "--until", "2001-01-01")


@pytest.mark.django_db
def test_train_model_refuses_a_bad_date():
    with pytest.raises(CommandError, match="Invalid --since 'yesterday': expected a date"):
        call_command("train_model", "--since", "yesterday")


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("day", ["9999-12-31", "tomorrow"])
def test_train_model_refuses_a_day_after_today_in_one_line(option, day):
    if day == "tomorrow":
        day = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError) as refusal:
        call_command("train_model", option, day)
    assert str(refusal.value) == (
        f"Invalid {option} {day}: expected a date on or before {timezone.localdate()}."
    )


@pytest.mark.django_db
def test_train_model_learns_up_to_today_included():
    booking_history()
    out = StringIO()
    call_command("train_model", "--until", timezone.localdate().isoformat(), stdout=out)
    assert json.loads(out.getvalue())["data_size"]["interactions"] == Booking.objects.count()


@pytest.mark.django_db
@pytest.mark.parametrize("seed", ["-1", "2147483648"])
def test_train_model_refuses_a_seed_its_generators_cannot_take(seed):
    with pytest.raises(CommandError, match="--seed must be between 0 and 2147483647"):
        call_command("train_model", "--seed", seed)


def test_the_training_task_runs_in_a_real_worker(celery_worker):
    booking_history()
    version = ranker_model_train_task.delay(seed=1).get(timeout=120)
    assert artifact_load()[1]["version"] == version
