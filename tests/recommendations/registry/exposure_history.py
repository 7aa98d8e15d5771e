"""Exposure histories written through the experiments app's own services, for the
monitoring's tests: lists shown to people, some clicked, some clicks booked."""

import uuid
from datetime import datetime, timedelta

import numpy as np

from experiments.models import RecommendationClick
from experiments.services import exposure_rows_build, exposures_insert
from marketplace.models import Booking, Offer, User
from tests.factories import OfferFactory

LIST_LENGTH = 10


def people(count: int) -> list[User]:
    first = User.objects.count()
    return User.objects.bulk_create(
        User(email=f"watched{first + n}@example.org") for n in range(count)
    )


def offers(count: int = LIST_LENGTH) -> list[Offer]:
    return OfferFactory.create_batch(count)


def lists_shown(
    *,
    rng: np.random.Generator,
    shoppers: list[User],
    catalogue: list[Offer],
    since: datetime,
    days: int,
    ctr: float,
    variant: str,
    strategy: str,
    model_version: str = "",
) -> list[RecommendationClick]:
    """One list of LIST_LENGTH offers per person per day over `days` days from `since`,
    each position clicked with probability `ctr`. Returns the clicks."""
    rows, clicks = [], []
    for day in range(days):
        shown_at = since + timedelta(days=day, hours=12)
        for shopper in shoppers:
            request_id = uuid.uuid4().hex
            rows += exposure_rows_build(
                request_id=request_id,
                offer_ids=[offer.pk for offer in catalogue],
                strategy=strategy,
                surface="homepage",
                user_id=shopper.pk,
                variant=variant,
                model_version=model_version,
                shown_at=shown_at,
            )
            for position in np.flatnonzero(rng.random(LIST_LENGTH) < ctr) + 1:
                clicks.append(
                    RecommendationClick(
                        request_id=request_id,
                        position=int(position),
                        offer=catalogue[position - 1],
                        user=shopper,
                        clicked_at=shown_at + timedelta(minutes=1),
                    )
                )
    exposures_insert(rows=rows)
    return RecommendationClick.objects.bulk_create(clicks)


def clicks_booked(clicks: list[RecommendationClick]) -> list[Booking]:
    """A booking of the clicked offer an hour after each click (one per person and offer)."""
    seen, bookings = set(), []
    for click in clicks:
        if (click.user_id, click.offer_id) in seen:
            continue
        seen.add((click.user_id, click.offer_id))
        bookings.append(
            Booking(
                user_id=click.user_id,
                offer_id=click.offer_id,
                amount=click.offer.price,
                created_at=click.clicked_at + timedelta(hours=1),
            )
        )
    return Booking.objects.bulk_create(bookings)
