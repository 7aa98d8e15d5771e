"""Catalogue maintenance services: publishing and duplicating offers to new dates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace.models import Offer
from marketplace.services import (
    booking_create,
    offers_duplicate,
    offers_set_active,
)
from tests.factories import DigitalOfferFactory, OfferFactory

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_set_active_changes_only_offers_not_already_in_that_state():
    active, inactive = OfferFactory(is_active=True), OfferFactory(is_active=False)

    changed = offers_set_active(offer_ids=[active.pk, inactive.pk], is_active=False)

    assert changed == 1
    assert not Offer.objects.filter(pk__in=[active.pk, inactive.pk], is_active=True).exists()


def test_duplicate_keeps_the_duration_and_starts_with_full_stock(shopper):
    starts_at = timezone.now() + timedelta(days=3)
    offer = OfferFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), stock=10)
    booking_create(user=shopper, offer_id=offer.pk, quantity=4)
    new_start = starts_at + timedelta(days=30)

    (copy,) = offers_duplicate(offer_ids=[offer.pk], shift=new_start - starts_at)
    copy.refresh_from_db()

    assert copy.pk != offer.pk
    assert (copy.title, copy.venue_id, copy.category_id) == (
        offer.title,
        offer.venue_id,
        offer.category_id,
    )
    assert copy.starts_at == new_start
    assert copy.ends_at == new_start + timedelta(hours=2)
    assert (copy.stock, copy.booked_quantity) == (10, 0)


def test_duplicating_several_offers_shifts_each_copy_by_the_step():
    base = timezone.now() + timedelta(days=2)
    first, second = OfferFactory(starts_at=base), OfferFactory(starts_at=base + timedelta(days=1))

    copies = offers_duplicate(offer_ids=[first.pk, second.pk], shift=timedelta(weeks=1), copies=3)

    assert len(copies) == 6
    starts = sorted(
        Offer.objects.filter(title=first.title)
        .exclude(pk=first.pk)
        .values_list("starts_at", flat=True)
    )
    assert starts == [base + timedelta(weeks=week) for week in (1, 2, 3)]
    assert Offer.objects.filter(title=second.title).count() == 4


def test_duplicating_an_undated_offer_refuses_the_whole_batch():
    dated, digital = OfferFactory(), DigitalOfferFactory(title="Film à la demande")

    with pytest.raises(ValidationError, match="no date to move"):
        offers_duplicate(offer_ids=[dated.pk, digital.pk], shift=timedelta(days=7))

    assert Offer.objects.count() == 2


@pytest.mark.parametrize(
    ("shift", "copies"),
    [(timedelta(weeks=1_000_000), 1), (timedelta(weeks=530), 1), (timedelta(weeks=11), 52)],
    ids=["beyond-the-calendar", "past-the-horizon", "last-copy-past-the-horizon"],
)
def test_duplicating_past_the_horizon_is_refused(shift, copies):
    offer = OfferFactory(title="Biennale", starts_at=timezone.now() + timedelta(days=1))

    with pytest.raises(ValidationError, match=r"“Biennale” would end after .*, the furthest"):
        offers_duplicate(offer_ids=[offer.pk], shift=shift, copies=copies)

    assert Offer.objects.count() == 1


def test_duplicating_into_the_past_is_refused():
    last_year = OfferFactory(title="Fête 2025", starts_at=timezone.now() - timedelta(days=365))

    with pytest.raises(ValidationError, match="in the past"):
        offers_duplicate(offer_ids=[last_year.pk], shift=timedelta(days=7))

    assert Offer.objects.count() == 1


@pytest.mark.parametrize(
    ("shift", "copies", "message"),
    [
        (timedelta(0), 1, "forward"),
        (timedelta(days=-7), 1, "forward"),
        (timedelta(days=7), 0, "between 1 and 52"),
        (timedelta(days=7), 53, "between 1 and 52"),
    ],
)
def test_duplicate_refuses_a_shift_that_is_not_forward_or_a_silly_number_of_copies(
    shift, copies, message
):
    offer = OfferFactory()

    with pytest.raises(ValidationError, match=message):
        offers_duplicate(offer_ids=[offer.pk], shift=shift, copies=copies)
