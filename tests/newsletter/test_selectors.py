"""The newsletter's reads: the daily funnel and booking attribution, on hand-built examples."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from marketplace.models import Booking
from newsletter.models import Campaign, Click, Send, Unsubscription
from newsletter.selectors import (
    campaign_attributed_booking_count,
    campaign_send_counts,
    newsletter_funnel_for_day,
    newsletter_preview,
    send_ranges_to_deliver,
)
from tests.factories import BookingFactory, OfferFactory, UserFactory
from tests.newsletter.conftest import consenting_user
from tests.recommended import recommended_offers

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 11, 20)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A Paris wall-clock time `day_offset` days from DAY."""
    day = DAY + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def make_campaign(**fields) -> Campaign:
    return Campaign.objects.create(subject="Picks", planned_at=at(0, 9), **fields)


def click(send: Send, offer, when: datetime) -> Click:
    return Click.objects.create(
        send=send, campaign=send.campaign, user=send.user, offer=offer, clicked_at=when
    )


def test_funnel_counts_sends_clicks_attributed_bookings_and_unsubscribes_of_the_local_day():
    campaign = make_campaign()
    users = [UserFactory() for _ in range(7)]
    sends = [Send.objects.create(campaign=campaign, user=user) for user in users]
    Send.objects.filter(pk=sends[0].pk).update(status="sent", sent_at=at(0, 0, 5))
    # 23:30 in Paris is 22:30 UTC: still the same local day.
    Send.objects.filter(pk=sends[1].pk).update(status="sent", sent_at=at(0, 23, 30))
    Send.objects.filter(pk=sends[2].pk).update(status="sent", sent_at=at(-1, 23, 30))
    Send.objects.filter(pk=sends[3].pk).update(status="failed")
    offer_a, offer_b, offer_c, offer_e, offer_f, offer_g, offer_h = (
        OfferFactory() for _ in range(7)
    )

    # Attributed, booked on the day: same offer, after a click in the 7 days before.
    click(sends[0], offer_a, at(0, 11))
    BookingFactory(user=users[0], offer=offer_a, created_at=at(0, 12))
    click(sends[1], offer_b, at(-7, 9))
    BookingFactory(user=users[1], offer=offer_b, created_at=at(0, 9))
    # Not attributed: another offer than the one clicked.
    BookingFactory(user=users[0], offer=offer_c, created_at=at(0, 13))
    # Not attributed: the click is 8 days old.
    click(sends[2], offer_e, at(-8, 9))
    BookingFactory(user=users[2], offer=offer_e, created_at=at(0, 10))
    # Not attributed: the booking came before the click.
    click(sends[3], offer_f, at(0, 15))
    BookingFactory(user=users[3], offer=offer_f, created_at=at(0, 14))
    # Not counted: cancelled.
    click(sends[4], offer_g, at(-2, 9))
    BookingFactory(
        user=users[4], offer=offer_g, created_at=at(0, 16), status=Booking.Status.CANCELLED
    )
    # Attributed but booked the day before.
    click(sends[5], offer_h, at(-3, 9))
    BookingFactory(user=users[5], offer=offer_h, created_at=at(-1, 20))
    # A click just after local midnight belongs to the next day.
    click(sends[6], offer_a, at(1, 0, 30))
    Unsubscription.objects.create(
        user=users[6], campaign=campaign, method="page", created_at=at(0, 8)
    )
    Unsubscription.objects.create(
        user=users[5], campaign=campaign, method="page", created_at=at(1, 8)
    )

    funnel = newsletter_funnel_for_day(day=DAY)

    assert funnel == {"sent": 2, "clicked": 2, "booked": 2, "unsubscribed": 1}
    assert newsletter_funnel_for_day(day=DAY - timedelta(days=1)) == {
        "sent": 1,
        "clicked": 0,
        "booked": 1,
        "unsubscribed": 0,
    }


def test_a_later_cancellation_does_not_rewrite_the_funnel_of_a_past_day():
    campaign = make_campaign()
    kept_then_cancelled, cancelled_same_day = UserFactory(), UserFactory()
    offer = OfferFactory()
    for user in (kept_then_cancelled, cancelled_same_day):
        send = Send.objects.create(campaign=campaign, user=user)
        click(send, offer, at(0, 9))
    for user, booked_at, cancelled_at in [
        (kept_then_cancelled, at(0, 10), at(1, 10)),
        (cancelled_same_day, at(0, 11), at(0, 18)),
    ]:
        BookingFactory(
            user=user,
            offer=offer,
            created_at=booked_at,
            status=Booking.Status.CANCELLED,
            cancelled_at=cancelled_at,
        )

    assert newsletter_funnel_for_day(day=DAY)["booked"] == 1


def test_funnel_of_a_quiet_day_is_all_zeros():
    assert newsletter_funnel_for_day(day=DAY) == {
        "sent": 0,
        "clicked": 0,
        "booked": 0,
        "unsubscribed": 0,
    }


def test_campaign_attribution_counts_only_bookings_after_its_own_clicks():
    first, second = make_campaign(), make_campaign()
    shopper, other = UserFactory(), UserFactory()
    offer = OfferFactory()
    click(Send.objects.create(campaign=first, user=shopper), offer, at(0, 9))
    Send.objects.create(campaign=second, user=other)
    BookingFactory(user=shopper, offer=offer, created_at=at(2, 9))
    BookingFactory(user=other, offer=offer, created_at=at(2, 9))

    assert campaign_attributed_booking_count(campaign=first) == 1
    assert campaign_attributed_booking_count(campaign=second) == 0


def test_send_counts_list_every_status():
    campaign = make_campaign()
    Send.objects.create(campaign=campaign, user=UserFactory())
    Send.objects.create(campaign=campaign, user=UserFactory(), status="skipped")

    assert campaign_send_counts(campaign=campaign) == {
        "pending": 1,
        "sending": 0,
        "sent": 0,
        "failed": 0,
        "skipped": 1,
    }


def test_ranges_to_deliver_cover_pending_and_expired_claims_only():
    campaign = make_campaign()
    sends = [Send.objects.create(campaign=campaign, user=UserFactory()) for _ in range(6)]
    Send.objects.filter(pk=sends[1].pk).update(status="sent", sent_at=at(0, 9))
    Send.objects.filter(pk=sends[2].pk).update(status="sending", claimed_until=at(-1, 9))
    Send.objects.filter(pk=sends[3].pk).update(status="sending", claimed_until=at(3000, 9))

    ranges = send_ranges_to_deliver(campaign=campaign, chunk_size=2)

    ids = [send.pk for send in sends]
    assert ranges == [(ids[0], ids[2]), (ids[4], ids[5])]


def test_the_preview_asks_in_batches_and_gives_each_recipient_their_own_picks(
    monkeypatch, popular_offers
):
    monkeypatch.setattr("newsletter.selectors.PREVIEW_BATCH", 2)
    recipients = [consenting_user() for _ in range(5)]
    # One recipient already booked the most booked offer: their picks start further down.
    BookingFactory(user=recipients[3], offer=popular_offers[0])
    UserFactory(newsletter_consent=False)

    preview = list(newsletter_preview(campaign=None))

    assert [user.pk for user, _ in preview] == [user.pk for user in recipients]
    for user, picks in preview:
        expected = recommended_offers(user=user, limit=5, strategy="popular")
        assert [r.offer.pk for r in picks] == [r.offer.pk for r in expected]
    assert preview[3][1][0].offer == popular_offers[1]
    assert preview[0][1][0].offer == popular_offers[0]
