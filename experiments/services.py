"""Writes of the experiments app: exposures (buffered, drained, or written directly),
recommendation clicks and booking attributions (ADR 0021)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from experiments.buffer import (
    BufferUnavailable,
    buffer_ack,
    buffer_client,
    buffer_push,
    buffer_read,
    group_ensure,
)
from experiments.clicks import ClickLink
from experiments.models import BookingAttribution, Exposure, RecommendationClick
from marketplace.models import Booking, Offer, User

logger = logging.getLogger(__name__)


def exposure_rows_build(
    *,
    request_id: str,
    offer_ids: list[int],
    strategy: str,
    surface: str,
    user_id: int | None,
    visitor_id: str = "",
    variant: str = "",
    model_version: str | None = None,
    shown_at: datetime | None = None,
) -> list[dict]:
    """The exposure rows of one list shown, as plain values (positions from 1)."""
    shown = (shown_at or timezone.now()).isoformat()
    return [
        {
            "request_id": request_id,
            "position": position,
            "offer_id": offer_id,
            "user_id": user_id,
            "visitor_id": "" if user_id else visitor_id,
            "surface": surface,
            "variant": variant,
            "strategy": strategy,
            "model_version": model_version or "",
            "shown_at": shown,
        }
        for position, offer_id in enumerate(offer_ids, start=1)
    ]


def exposures_log(
    *,
    recommendation_list,
    surface: str,
    user_id: int | None = None,
    visitor_id: str = "",
    shown_at: datetime | None = None,
) -> int:
    """Record that `recommendation_list` (a recommendations.lists.RecommendationList)
    was shown on `surface`; returns the number of rows.

    The one call a surface makes after showing a list. The rows go to the Redis
    buffer (drained within seconds); when Redis is down or not configured they
    are written to PostgreSQL at once, costing the request a query rather than
    losing the exposure. `user_id` defaults to the list's user. Nothing is
    recorded while EXPOSURE_LOGGING_ENABLED is off (a benchmark's comparison).
    """
    if not settings.EXPOSURE_LOGGING_ENABLED:
        return 0
    rows = list_exposure_rows(
        recommendation_list=recommendation_list,
        surface=surface,
        user_id=user_id if user_id is not None else recommendation_list.user_id,
        visitor_id=visitor_id,
        shown_at=shown_at,
    )
    exposure_rows_record(rows=rows)
    return len(rows)


def exposures_log_many(*, recommendation_lists, surface: str) -> int:
    """The batch form of `exposures_log` for lists of signed-in users shown at the same
    moment (the simulator's visitors of an evening): one buffer push or one insert."""
    if not settings.EXPOSURE_LOGGING_ENABLED:
        return 0
    rows = [
        row
        for recommendation_list in recommendation_lists
        for row in list_exposure_rows(
            recommendation_list=recommendation_list,
            surface=surface,
            user_id=recommendation_list.user_id,
            visitor_id="",
            shown_at=None,
        )
    ]
    exposure_rows_record(rows=rows)
    return len(rows)


def list_exposure_rows(
    *,
    recommendation_list,
    surface: str,
    user_id: int | None,
    visitor_id: str,
    shown_at: datetime | None,
) -> list[dict]:
    return exposure_rows_build(
        request_id=recommendation_list.request_id,
        offer_ids=recommendation_list.offer_ids,
        strategy=recommendation_list.strategy,
        surface=surface,
        user_id=user_id,
        visitor_id=visitor_id,
        variant=recommendation_list.variant,
        model_version=recommendation_list.model_version,
        shown_at=shown_at,
    )


def exposure_rows_record(*, rows: list[dict]) -> None:
    """Buffer `rows` in Redis, or write them directly when there is no buffer or it is down."""
    if not rows:
        return
    if not settings.EXPOSURE_BUFFER_URL:
        exposures_insert(rows=rows, drop_dangling=False)
        return
    try:
        buffer_push(rows=rows)
    except BufferUnavailable as error:
        logger.warning(
            "Exposure buffer unavailable, writing %s rows directly: %s", len(rows), error
        )
        exposures_insert(rows=rows, drop_dangling=False)


def exposure_of_row(row: dict) -> Exposure:
    return Exposure(
        request_id=row["request_id"],
        position=row["position"],
        offer_id=row["offer_id"],
        user_id=row["user_id"],
        visitor_id=row["visitor_id"],
        surface=row["surface"],
        variant=row["variant"],
        strategy=row["strategy"],
        model_version=row["model_version"],
        shown_at=parse_datetime(row["shown_at"]),
    )


def exposures_insert(*, rows: list[dict], drop_dangling: bool = True) -> int:
    """Insert exposure rows in bulk; rows already there (same request and position) are skipped.

    With `drop_dangling`, rows naming an offer or user deleted since they
    were made are dropped with a warning first, so one deletion cannot block
    the drain forever (PostgreSQL checks the foreign keys only at commit, too
    late to retry without them). A request writing what it has just shown
    skips those two queries.
    """
    kept = rows_with_existing_references(rows) if drop_dangling else rows
    Exposure.objects.bulk_create(
        [exposure_of_row(row) for row in kept], ignore_conflicts=True, batch_size=1000
    )
    return len(kept)


def rows_with_existing_references(rows: list[dict]) -> list[dict]:
    offer_ids = {row["offer_id"] for row in rows}
    user_ids = {row["user_id"] for row in rows if row["user_id"] is not None}
    offers = set(Offer.objects.filter(pk__in=offer_ids).values_list("pk", flat=True))
    users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    if offer_ids - offers or user_ids - users:
        logger.warning(
            "Dropping exposures of deleted offers %s or users %s",
            sorted(offer_ids - offers),
            sorted(user_ids - users),
        )
    return [
        row
        for row in rows
        if row["offer_id"] in offers and (row["user_id"] is None or row["user_id"] in users)
    ]


def exposures_drain(*, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Move buffered exposures into PostgreSQL, batch by batch; returns the rows handled.

    Each batch is committed before its entries are acknowledged: a drain
    killed in between leaves them pending, and the next drain inserts them
    again, which the unique key turns into no-ops. Nothing is lost, nothing
    is counted twice.
    """
    batch_size = batch_size or settings.EXPOSURE_DRAIN_BATCH_LISTS
    max_batches = max_batches or settings.EXPOSURE_DRAIN_MAX_BATCHES
    try:
        client = buffer_client()
        group_ensure(client)
    except BufferUnavailable:
        return 0
    handled = 0
    for _ in range(max_batches):
        entries = buffer_read(client=client, count=batch_size)
        if not entries:
            break
        rows = [row for _, entry_rows in entries for row in entry_rows]
        with transaction.atomic():
            exposures_insert(rows=rows)
        buffer_ack(client=client, entry_ids=[entry_id for entry_id, _ in entries])
        handled += len(rows)
    return handled


def click_record(*, link: ClickLink, clicked_at: datetime | None = None) -> RecommendationClick:
    """Record the first click of a signed recommendation link; later clicks change nothing."""
    click, _ = RecommendationClick.objects.get_or_create(
        request_id=link.request_id,
        position=link.position,
        defaults={
            "offer_id": link.offer_id,
            "user_id": link.user_id,
            "clicked_at": clicked_at or timezone.now(),
        },
    )
    return click


def booking_attributions_record(*, since: datetime) -> int:
    """Attribute the bookings made since `since` to the last click of the same offer
    by the same user within the attribution window before the booking.

    Idempotent (one attribution per booking). A click whose exposure is not yet
    drained is attributed at a later run, hence `since` reaching back further
    than the window.
    """
    window = timedelta(days=settings.EXPERIMENT_ATTRIBUTION_DAYS)
    last_click = RecommendationClick.objects.filter(
        user_id=OuterRef("user_id"),
        offer_id=OuterRef("offer_id"),
        clicked_at__lte=OuterRef("created_at"),
        clicked_at__gt=OuterRef("created_at") - window,
    ).order_by("-clicked_at")
    candidates = dict(
        Booking.objects.live()
        .filter(created_at__gte=since)
        .exclude(pk__in=BookingAttribution.objects.values("booking_id"))
        .annotate(click_id=Subquery(last_click.values("pk")[:1]))
        .filter(click_id__isnull=False)
        .values_list("pk", "click_id")
    )
    clicks = RecommendationClick.objects.in_bulk(set(candidates.values()))
    exposures = {
        (exposure.request_id, exposure.position): exposure
        for exposure in Exposure.objects.filter(
            request_id__in={click.request_id for click in clicks.values()}
        )
    }
    attributions = []
    for booking_id, click_id in candidates.items():
        click = clicks[click_id]
        exposure = exposures.get((click.request_id, click.position))
        if exposure is None:
            continue
        attributions.append(
            BookingAttribution(
                booking_id=booking_id,
                click=click,
                surface=exposure.surface,
                variant=exposure.variant,
                strategy=exposure.strategy,
                model_version=exposure.model_version,
            )
        )
    BookingAttribution.objects.bulk_create(attributions, ignore_conflicts=True)
    return len(attributions)
