"""Precomputation: lists stored under versioned keys with a TTL, here and on a real worker."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommendations.cache import recommendations_cache
from recommendations.lists import ListSource, RecommendationRequest
from recommendations.serving import recommendation_list_serve
from recommendations.stored import stored_list_get, stored_list_key
from tests.factories import BookingFactory, OfferFactory, UserFactory


def booked_offers(count: int) -> list:
    offers = [OfferFactory(stock=100) for _ in range(count)]
    for rank, offer in enumerate(offers):
        BookingFactory.create_batch(count - rank, offer=offer)
    return offers


@pytest.mark.django_db
def test_the_command_stores_each_users_top_list_for_the_day_and_a_half(redis, settings):
    settings.RECOMMENDATION_STORED_LIST_SIZE = 4
    offers = booked_offers(6)
    users = UserFactory.create_batch(3)
    out = StringIO()

    call_command("precompute_recommendations", "--strategy", "geo", stdout=out)

    # The shoppers who booked are users too: every active user gets a list.
    assert "Stored" in out.getvalue()
    for user in users:
        stored = stored_list_get(strategy="geo", user_id=user.pk, request_id="r")
        assert len(stored.items) == 4 and set(stored.offer_ids) <= {o.pk for o in offers}
        ttl = recommendations_cache.ttl(stored_list_key(strategy="geo", user_id=user.pk))
        assert 36 * 3600 - 60 < ttl <= 36 * 3600


@pytest.mark.django_db
def test_the_command_limits_the_users_and_refuses_an_unknown_strategy():
    first, second = UserFactory.create_batch(2)
    booked_offers(2)

    call_command("precompute_recommendations", "--users", "1", stdout=StringIO())

    assert stored_list_get(strategy="geo", user_id=first.pk, request_id="r") is not None
    assert stored_list_get(strategy="geo", user_id=second.pk, request_id="r") is None
    with pytest.raises(CommandError, match="Unknown strategy 'astrology'"):
        call_command("precompute_recommendations", "--strategy", "astrology")


@pytest.mark.django_db
@pytest.mark.parametrize("users", ["0", str(10**30)])
def test_the_command_refuses_a_user_count_out_of_bounds_in_one_line(users):
    with pytest.raises(CommandError) as refusal:
        call_command("precompute_recommendations", "--users", users, stdout=StringIO())

    assert str(refusal.value) == "--users must be between 1 and 100000000."


def test_precomputation_runs_through_a_real_celery_worker(celery_worker, settings):
    settings.RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE = 2
    booked_offers(3)
    users = UserFactory.create_batch(3)
    out = StringIO()

    call_command("precompute_recommendations", "--workers", stdout=out)

    assert "Stored" in out.getvalue()
    for user in users:
        served, _offers = recommendation_list_serve(
            request=RecommendationRequest(user_id=user.pk, limit=2), strategy="geo"
        )
        assert served.source == ListSource.PRECOMPUTED


def test_the_nightly_dispatch_fans_chunks_out_to_a_real_worker(celery_worker, settings):
    from django_celery_beat.models import PeriodicTask

    from recommendations.tasks import precompute_dispatch_task

    settings.RECOMMENDATION_PRECOMPUTE_CHUNK_SIZE = 2
    booked_offers(3)
    users = UserFactory.create_batch(3)
    # The schedule's row comes from the data migration, editable in the admin.
    assert PeriodicTask.objects.get(task="recommendations.precompute_dispatch").enabled

    chunks = precompute_dispatch_task.delay().get(timeout=30)

    assert chunks >= 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stored = [stored_list_get(strategy="geo", user_id=u.pk, request_id="r") for u in users]
        if all(stored):
            break
        time.sleep(0.2)
    assert all(stored)
