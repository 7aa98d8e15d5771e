"""Reads of the newsletter: recipients, campaign progress, and the funnel (sent → clicked → booked).

A booking is attributed to the newsletter when its shopper clicked a link to
that same offer in a newsletter during the 7 days before booking (ADR 0005):
clicking one offer and booking another is not counted, so the figure measures
what the email recommended rather than what the shopper would have done anyway.
"""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from marketplace.models import Booking, User
from newsletter.models import Campaign, Click, Send, Unsubscription
from newsletter.tokens import InvalidLink, unsubscribe_token_read
from recommendations.offers import RecommendedOffer, recommended_lists_for_users

ATTRIBUTION_WINDOW = timedelta(days=7)
OFFERS_PER_EMAIL = 5
PREVIEW_BATCH = 1000


def newsletter_recipients() -> QuerySet[User]:
    """Who may receive a newsletter now: active accounts that consented and did not withdraw."""
    return User.objects.filter(is_active=True, newsletter_consent=True)


def day_bounds(*, day: date) -> tuple[datetime, datetime]:
    """The start of `day` and of the next one, in the site's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def attributing_clicks() -> QuerySet[Click]:
    """Clicks that attribute the outer booking (an `Exists` subquery) to a newsletter."""
    return Click.objects.filter(
        user=OuterRef("user"),
        offer=OuterRef("offer"),
        clicked_at__lte=OuterRef("created_at"),
        clicked_at__gte=OuterRef("created_at") - ATTRIBUTION_WINDOW,
    )


def newsletter_funnel_for_day(*, day: date) -> dict[str, int]:
    """Messages sent, clicks, attributed bookings and unsubscribes of one local day.

    Attributed bookings are those made that day and not cancelled by its end, so
    a later cancellation does not rewrite a past day (as for the other metrics).
    """
    start, end = day_bounds(day=day)
    return {
        "sent": Send.objects.filter(
            status=Send.Status.SENT, sent_at__gte=start, sent_at__lt=end
        ).count(),
        "clicked": Click.objects.filter(clicked_at__gte=start, clicked_at__lt=end).count(),
        "booked": Booking.objects.filter(created_at__gte=start, created_at__lt=end)
        .live_at(end)
        .filter(Exists(attributing_clicks()))
        .count(),
        "unsubscribed": Unsubscription.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
    }


def campaign_send_counts(*, campaign: Campaign) -> dict[str, int]:
    """How many sends of the campaign are in each status (every status present, zero if none)."""
    counts = dict(
        campaign.sends.values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    return {status: counts.get(status, 0) for status in Send.Status.values}


def campaign_attributed_booking_count(*, campaign: Campaign) -> int:
    """Live bookings attributed to a click of this campaign (same user and offer, 7 days)."""
    return (
        Booking.objects.live()
        .filter(Exists(attributing_clicks().filter(campaign=campaign)))
        .count()
    )


def send_ranges_to_deliver(*, campaign: Campaign, chunk_size: int) -> list[tuple[int, int]]:
    """(first id, last id) of chunks covering the sends still to deliver.

    Pending sends and claims whose lease expired (their worker died) are to
    deliver; a chunk task only takes those, so overlapping dispatches are harmless.
    """
    ids = list(
        campaign.sends.filter(claimable_condition(now=timezone.now()))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [
        (ids[index], ids[min(index + chunk_size, len(ids)) - 1])
        for index in range(0, len(ids), chunk_size)
    ]


def claimable_condition(*, now: datetime) -> Q:
    return Q(status=Send.Status.PENDING) | Q(status=Send.Status.SENDING, claimed_until__lt=now)


def campaign_has_sends_to_deliver(*, campaign_id: int) -> bool:
    """Whether any send is pending or claimed (a campaign is done when none is)."""
    return Send.objects.filter(
        campaign_id=campaign_id, status__in=[Send.Status.PENDING, Send.Status.SENDING]
    ).exists()


def campaigns_stalled(*, now: datetime, dispatched_before: datetime) -> QuerySet[Campaign]:
    """Sending campaigns that need a new dispatch.

    Either a claim expired (its worker died: the lease is the whole wait, ADR
    0006), or sends are still pending and the last dispatch is older than
    `dispatched_before` (its chunks were lost, ran out of retries or found the
    kill switch on); a recent dispatch's chunks may still be queued. Or no send
    is pending or claimed and the campaign was never marked sent (no recipient,
    or a worker killed between its last mark and that of the campaign): only a
    dispatch finishes it then.
    """
    sends = Send.objects.filter(campaign=OuterRef("pk"))
    expired_claim = sends.filter(status=Send.Status.SENDING, claimed_until__lt=now)
    pending = sends.filter(status=Send.Status.PENDING)
    to_deliver = sends.filter(status__in=[Send.Status.PENDING, Send.Status.SENDING])
    long_ago = Q(dispatched_at__lt=dispatched_before) | Q(dispatched_at__isnull=True)
    return Campaign.objects.filter(status=Campaign.Status.SENDING).filter(
        Q(Exists(expired_claim)) | (long_ago & Q(Exists(pending))) | ~Q(Exists(to_deliver))
    )


def newsletter_preview(
    *, campaign: Campaign | None
) -> Iterator[tuple[User, list[RecommendedOffer]]]:
    """Who would get what if `campaign` (or a new one) were sent now; reads only.

    A draft or new campaign goes to every current recipient; a started one
    only to the recipients of its sends still to deliver.
    """
    strategy = campaign.strategy if campaign else None
    if campaign is None or campaign.status == Campaign.Status.DRAFT:
        users = newsletter_recipients()
    else:
        users = newsletter_recipients().filter(
            Exists(
                campaign.sends.filter(user=OuterRef("pk")).filter(
                    claimable_condition(now=timezone.now())
                )
            )
        )
    batch: list[User] = []
    for user in users.order_by("pk").iterator(chunk_size=PREVIEW_BATCH):
        batch.append(user)
        if len(batch) == PREVIEW_BATCH:
            yield from preview_batch(users=batch, strategy=strategy)
            batch = []
    yield from preview_batch(users=batch, strategy=strategy)


def preview_batch(
    *, users: list[User], strategy: str | None
) -> Iterator[tuple[User, list[RecommendedOffer]]]:
    """One batch of recipients with their picks, asked as the sending chunks ask them."""
    picks = recommended_lists_for_users(
        user_ids=[user.pk for user in users], limit=OFFERS_PER_EMAIL, strategy=strategy
    )
    for user in users:
        loaded = picks.get(user.pk)
        yield user, loaded.offers if loaded else []


def send_for_unsubscribe_token(*, token: str) -> Send:
    """The send (with its recipient) an unsubscribe link was made for.

    Raises InvalidLink for a forged, damaged or expired token, and for an
    authentic one whose send no longer exists, so the confirmation page and the
    unsubscription refuse the same links.
    """
    send_id = unsubscribe_token_read(token=token)
    send = Send.objects.select_related("user").filter(pk=send_id).first()
    if send is None:
        raise InvalidLink(gettext("This unsubscribe link is not valid any more."))
    return send
