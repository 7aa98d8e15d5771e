"""The newsletter's services, called directly, delivering to a real local SMTP server."""

import contextlib
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone
from waffle.testutils import override_switch

from experiments.assignment import variant_for_user
from experiments.models import Exposure
from experiments.services import exposures_drain
from newsletter.models import Campaign, Send
from newsletter.selectors import send_ranges_to_deliver
from newsletter.services import (
    STOPPED_AT_LAST_TRY,
    DeliveryError,
    campaign_dispatch,
    campaign_get_or_create_for_week,
    campaign_send_chunk,
    campaign_start,
    campaigns_to_resume,
    send_claim_renew,
    sends_claim,
)
from tests.canary import FLAG, homepage_flag_set
from tests.conftest import free_port
from tests.factories import BookingFactory, UserFactory
from tests.newsletter.conftest import (
    consenting_user,
    header,
    html_part,
    refuse_data,
    refuse_data_for,
    refuse_recipient,
    text_part,
)

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def send_all(campaign: Campaign) -> None:
    """Start or resume the campaign and deliver every chunk here, as the manual command does."""
    for first, last in campaign_start(campaign_id=campaign.pk):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)


def test_a_campaign_mails_each_consenting_user_once_with_their_own_offers(
    smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_CHUNK_SIZE = 2
    users = [consenting_user() for _ in range(5)]
    # Personalisation: a shopper never gets an offer they already booked.
    BookingFactory(user=users[0], offer=popular_offers[0])
    UserFactory(newsletter_consent=False)

    send_all(campaign)

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    first = text_part(by_recipient[users[0].email])
    assert "Offer 0" not in first
    assert [title in first for title in ("Offer 1", "Offer 5")] == [True, True]
    other = text_part(by_recipient[users[1].email])
    assert other.index("Offer 0") < other.index("Offer 1") < other.index("Offer 4")
    assert "Offer 5" not in other
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert Send.objects.get(campaign=campaign, user=users[1]).offer_ids == [
        offer.pk for offer in popular_offers[:5]
    ]


def test_the_message_has_one_click_unsubscribe_headers_and_tracked_cards(
    smtp_server, popular_offers, campaign, settings
):
    settings.SITE_URL = "https://passerelle.example"
    user = consenting_user()

    send_all(campaign)

    (message,) = smtp_server.messages
    send = Send.objects.get(user=user)
    assert message["Subject"] == "Your picks"
    assert header(message, "List-Unsubscribe").startswith(
        "<https://passerelle.example/newsletter/unsubscribe/"
    )
    assert header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert (
        header(message, "Message-ID") == f"<newsletter.{campaign.pk}.{send.pk}@passerelle.example>"
    )
    html, text = html_part(message), text_part(message)
    unsubscribe_link = header(message, "List-Unsubscribe").strip("<>")
    assert unsubscribe_link in html and unsubscribe_link in text
    assert html.count("https://passerelle.example/newsletter/c/") == 10  # title + button x 5
    assert "<img" not in html
    offer = popular_offers[0]
    assert f"{offer.venue.name}, {offer.venue.city}" in text
    assert "€15.00" in text
    assert "Popular this month (6 bookings)" in text


def test_a_digital_free_offer_reads_online_and_free(smtp_server, campaign, db):
    from tests.factories import DigitalOfferFactory

    offer = DigitalOfferFactory(title="Film", price=0)
    BookingFactory(offer=offer)
    consenting_user()

    send_all(campaign)

    text = text_part(smtp_server.messages[0])
    assert "Film" in text and "Online" in text and "Free" in text and "Any time" in text


def test_cards_show_the_start_in_paris_time_in_both_parts(smtp_server, campaign, db):
    from datetime import UTC, datetime

    from tests.factories import OfferFactory

    offer = OfferFactory(starts_at=datetime(2030, 3, 14, 18, 30, tzinfo=UTC))
    BookingFactory(offer=offer)
    consenting_user()

    send_all(campaign)

    message = smtp_server.messages[0]
    for part in (text_part(message), html_part(message)):
        assert "Thu 14 Mar 2030, 19:30" in part


def test_running_a_sent_campaign_again_mails_nobody(smtp_server, popular_offers, campaign):
    consenting_user()
    consenting_user()
    send_all(campaign)
    assert len(smtp_server.messages) == 2

    send_all(campaign)
    for first, last in [(0, 10**9)]:
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert len(smtp_server.messages) == 2


def test_users_without_consent_or_who_withdrew_it_get_nothing(
    smtp_server, popular_offers, campaign
):
    stays, leaves = consenting_user(), consenting_user()
    UserFactory(newsletter_consent=False)
    ranges = campaign_start(campaign_id=campaign.pk)
    assert campaign.sends.count() == 2
    # Unsubscribed between the start of the campaign and its chunk.
    leaves.newsletter_consent, leaves.newsletter_consent_at = False, None
    leaves.save(update_fields=["newsletter_consent", "newsletter_consent_at"])

    for first, last in ranges:
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert smtp_server.recipients == [stays.email]
    assert Send.objects.get(user=leaves).status == Send.Status.SKIPPED


def test_a_user_deactivated_after_the_start_is_skipped_not_mailed(
    smtp_server, popular_offers, campaign
):
    stays, leaves = consenting_user(), consenting_user()
    ranges = campaign_start(campaign_id=campaign.pk)
    leaves.is_active = False
    leaves.save(update_fields=["is_active"])

    for first, last in ranges:
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert smtp_server.recipients == [stays.email]
    send = Send.objects.get(user=leaves)
    assert (send.status, send.error) == (Send.Status.SKIPPED, "Account deactivated.")


def test_a_recipient_without_any_recommendation_is_skipped_not_mailed_empty(
    smtp_server, popular_offers, campaign
):
    has_booked_everything = consenting_user()
    for offer in popular_offers:
        BookingFactory(user=has_booked_everything, offer=offer)

    send_all(campaign)

    assert smtp_server.messages == []
    send = Send.objects.get(user=has_booked_everything)
    assert (send.status, send.error) == (Send.Status.SKIPPED, "No offer to recommend.")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


@override_switch("newsletter_paused", active=True)
def test_the_kill_switch_sends_nothing_and_leaves_sends_pending(
    smtp_server, popular_offers, campaign
):
    consenting_user()

    assert campaign_start(campaign_id=campaign.pk) == []
    result = campaign_send_chunk(campaign_id=campaign.pk, first_send_id=0, last_send_id=10**9)

    assert result.paused
    assert smtp_server.messages == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.sends.get().status == Send.Status.PENDING


@override_switch("newsletter_paused", active=True)
def test_a_campaign_started_with_nobody_to_mail_is_sent_even_while_paused(campaign):
    UserFactory(newsletter_consent=False)

    assert campaign_start(campaign_id=campaign.pk) == []

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT and not campaign.sends.exists()


def test_sending_resumes_when_the_kill_switch_is_turned_off(smtp_server, popular_offers, campaign):
    users = [consenting_user() for _ in range(3)]
    with override_switch("newsletter_paused", active=True):
        send_all(campaign)
    assert smtp_server.messages == []

    with override_switch("newsletter_paused", active=False):
        send_all(campaign)

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)


def test_a_transient_smtp_failure_puts_unsent_sends_back_and_a_retry_sends_only_them(
    smtp_server, popular_offers, campaign
):
    users = [consenting_user() for _ in range(5)]
    refuse_data(smtp_server, attempts={3})
    (chunk,) = campaign_start(campaign_id=campaign.pk)

    with pytest.raises(DeliveryError):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=chunk[0], last_send_id=chunk[1])

    assert len(smtp_server.messages) == 2
    assert campaign.sends.filter(status=Send.Status.PENDING).count() == 3
    # Only the messages tried count: the sends after the refused one were never tried.
    assert list(campaign.sends.values_list("attempts", flat=True)) == [1, 1, 1, 0, 0]
    campaign_send_chunk(campaign_id=campaign.pk, first_send_id=chunk[0], last_send_id=chunk[1])
    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    assert list(campaign.sends.values_list("attempts", flat=True)) == [1, 1, 2, 1, 1]


def test_a_refused_recipient_is_marked_failed_and_the_others_are_sent(
    smtp_server, popular_offers, campaign
):
    good, bad = consenting_user(), consenting_user(email="gone@example.org")

    refuse_recipient(smtp_server, address=bad.email, reply="550 5.1.1 No such mailbox")

    send_all(campaign)

    assert smtp_server.recipients == [good.email]
    failed = Send.objects.get(user=bad)
    assert failed.status == Send.Status.FAILED and "No such mailbox" in failed.error
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_recipient_refused_for_now_waits_alone_and_fails_after_the_last_attempt(
    smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_SEND_MAX_ATTEMPTS = 3
    users = [consenting_user() for _ in range(6)]
    full = users[1]

    refuse_recipient(smtp_server, address=full.email, reply="452 4.2.2 Mailbox full")
    ((first, last),) = campaign_start(campaign_id=campaign.pk)

    result = campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    # The refusal concerns that mailbox only: the recipients after it are mailed.
    assert (result.sent, result.failed) == (5, 0)
    assert sorted(smtp_server.recipients) == sorted(u.email for u in users if u != full)
    waiting = Send.objects.get(user=full)
    assert (waiting.status, waiting.attempts) == (Send.Status.PENDING, 1)
    assert "Mailbox full" in waiting.error

    for _ in range(2):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    given_up = Send.objects.get(user=full)
    assert (given_up.status, given_up.attempts) == (Send.Status.FAILED, 3)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert len(smtp_server.messages) == 5


def test_an_smtp_outage_charges_no_try_and_a_full_mailbox_still_gets_all_its_tries_after_it(
    smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_SEND_MAX_ATTEMPTS = 3
    users = [consenting_user() for _ in range(3)]
    full = users[1]
    ((first, last),) = campaign_start(campaign_id=campaign.pk)
    server_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there: the connection is refused

    # More claims than the cap, each failing before any message is tried.
    for _ in range(4):
        with pytest.raises(DeliveryError):
            campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert set(campaign.sends.values_list("status", "attempts")) == {(Send.Status.PENDING, 0)}

    settings.EMAIL_PORT = server_port
    refuse_recipient(smtp_server, address=full.email, reply="452 4.2.2 Mailbox full")
    campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    # The full mailbox waits after its first try instead of failing on it.
    waiting = Send.objects.get(user=full)
    assert (waiting.status, waiting.attempts) == (Send.Status.PENDING, 1)
    assert sorted(smtp_server.recipients) == sorted(u.email for u in users if u != full)
    for _ in range(2):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)
    given_up = Send.objects.get(user=full)
    assert (given_up.status, given_up.attempts) == (Send.Status.FAILED, 3)


@pytest.mark.parametrize(
    "reply",
    ["451 4.3.0 Requested action aborted", "421 4.3.2 Requested action aborted, closing"],
    ids=["refused-for-now", "connection-closed"],
)
def test_a_message_whose_content_is_refused_for_now_again_and_again_fails_at_the_last_try(
    smtp_server, popular_offers, campaign, settings, reply
):
    settings.NEWSLETTER_SEND_MAX_ATTEMPTS = 3
    users = [consenting_user() for _ in range(5)]
    stuck = users[1]
    refuse_data_for(smtp_server, address=stuck.email, reply=reply)

    # Each pass is a retry of the chunk task or the sweep's next dispatch: every one
    # stops at the refused message, which comes first again, until its last try.
    passes = 0
    while campaign.status != Campaign.Status.SENT and passes < 10:
        passes += 1
        with contextlib.suppress(DeliveryError):
            send_all(campaign)
        campaign.refresh_from_db()

    assert campaign.status == Campaign.Status.SENT
    assert passes == 4  # three tries of the refused message, then the rest of the chunk
    assert Counter(smtp_server.recipients) == {user.email: 1 for user in users if user != stuck}
    given_up = Send.objects.get(user=stuck)
    assert (given_up.status, given_up.attempts) == (Send.Status.FAILED, 3)
    assert "Requested action aborted" in given_up.error
    assert campaign.sends.filter(status=Send.Status.SENT).count() == 4


def test_a_server_closing_at_a_recipient_with_421_puts_the_whole_chunk_back(
    smtp_server, popular_offers, campaign
):
    first_user, *_others = [consenting_user() for _ in range(3)]

    refuse_recipient(smtp_server, address=first_user.email, reply="421 4.3.2 Service shutting down")
    ((first, last),) = campaign_start(campaign_id=campaign.pk)

    with pytest.raises(DeliveryError):
        campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert smtp_server.messages == []
    assert campaign.sends.filter(status=Send.Status.PENDING).count() == 3


def test_sends_claimed_by_a_crashed_worker_are_taken_again_once_the_lease_expires(
    smtp_server, popular_offers, campaign
):
    users = [consenting_user() for _ in range(4)]
    ((first, last),) = campaign_start(campaign_id=campaign.pk)
    # A worker claims the chunk, starts the first message (renews its claim) and dies.
    claimed = sends_claim(campaign=campaign, first_send_id=first, last_send_id=last)
    assert len(claimed) == 4
    assert send_claim_renew(send=claimed[0])
    assert send_ranges_to_deliver(campaign=campaign, chunk_size=10) == []
    campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)
    assert smtp_server.messages == []  # the lease still holds

    Send.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    send_all(campaign)

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    # The message cut short by the crash counts as a try; the claims never tried do not.
    assert list(campaign.sends.values_list("attempts", flat=True)) == [2, 1, 1, 1]


def test_a_send_whose_worker_died_on_its_last_try_is_failed_not_mailed_again(
    smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_SEND_MAX_ATTEMPTS = 2
    poison, other = [consenting_user() for _ in range(2)]
    ((first, last),) = campaign_start(campaign_id=campaign.pk)
    # Twice a worker claims the chunk, starts the first message and dies (say the
    # message itself kills it); each time the lease runs out.
    for _ in range(2):
        claimed = sends_claim(campaign=campaign, first_send_id=first, last_send_id=last)
        assert send_claim_renew(send=claimed[0])
        Send.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))

    send_all(campaign)

    assert smtp_server.recipients == [other.email]
    given_up = Send.objects.get(user=poison)
    assert (given_up.status, given_up.attempts) == (Send.Status.FAILED, 2)
    assert given_up.error == STOPPED_AT_LAST_TRY
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_chunk_that_outlived_its_lease_leaves_the_rest_to_the_next_worker(
    smtp_server, popular_offers, campaign, monkeypatch
):
    users = [consenting_user() for _ in range(6)]
    ((first, last),) = campaign_start(campaign_id=campaign.pk)
    deliver = EmailBackend.send_messages
    messages_of_the_first_worker = 0

    def deliver_while_the_lease_runs_out(backend, messages):
        nonlocal messages_of_the_first_worker
        if messages_of_the_first_worker is not None:
            messages_of_the_first_worker += 1
        delivered = deliver(backend, messages)
        if messages_of_the_first_worker == 2:
            messages_of_the_first_worker = None  # the second worker's messages just go out
            # The first worker is slower than its lease: every claim but the one it
            # just renewed expires, and the sweep hands them to a second worker.
            Send.objects.filter(status=Send.Status.SENDING).exclude(
                user__email=messages[0].to[0]
            ).update(claimed_until=timezone.now() - timedelta(seconds=1))
            assert campaigns_to_resume() == [campaign.pk]
            send_all(campaign)
        return delivered

    monkeypatch.setattr(EmailBackend, "send_messages", deliver_while_the_lease_runs_out)

    campaign_send_chunk(campaign_id=campaign.pk, first_send_id=first, last_send_id=last)

    assert sorted(smtp_server.recipients) == sorted(user.email for user in users)
    assert campaign.sends.filter(status=Send.Status.SENT).count() == 6
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_a_stalled_campaign_is_found_for_the_sweep_and_a_fresh_or_sent_one_is_not(
    popular_offers, campaign, settings
):
    consenting_user()
    campaign_start(campaign_id=campaign.pk)
    assert campaigns_to_resume() == []

    Campaign.objects.filter(pk=campaign.pk).update(
        dispatched_at=timezone.now()
        - timedelta(seconds=settings.NEWSLETTER_RESUME_AFTER_SECONDS + 1)
    )
    assert campaigns_to_resume() == [campaign.pk]

    campaign.sends.update(status=Send.Status.SKIPPED)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENT)
    assert campaigns_to_resume() == []


def test_a_sending_campaign_with_nothing_left_to_deliver_is_finished_by_the_sweep(
    popular_offers, campaign
):
    # Its last chunk marked every send, then its worker died before finishing the campaign.
    consenting_user()
    campaign_start(campaign_id=campaign.pk)
    campaign.sends.update(status=Send.Status.SENT, sent_at=timezone.now())
    assert campaigns_to_resume() == [campaign.pk]

    with override_switch("newsletter_paused", active=True):
        campaign_dispatch(campaign_id=campaign.pk)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaigns_to_resume() == []


def test_an_expired_claim_is_resumed_at_once_without_waiting_for_the_resume_delay(
    popular_offers, campaign
):
    consenting_user()
    ((first, last),) = campaign_start(campaign_id=campaign.pk)
    sends_claim(campaign=campaign, first_send_id=first, last_send_id=last)
    assert campaigns_to_resume() == []  # claimed and just dispatched: a worker has it

    # Its worker died: once the lease is over, the next sweep takes it, although
    # the campaign was dispatched moments ago.
    campaign.sends.update(claimed_until=timezone.now() - timedelta(seconds=1))

    assert campaigns_to_resume() == [campaign.pk]


def test_the_weekly_campaign_is_created_once_per_iso_week(db):
    thursday = timezone.localdate().replace(year=2026, month=11, day=26)

    first = campaign_get_or_create_for_week(day=thursday)
    again = campaign_get_or_create_for_week(day=thursday + timedelta(days=3))
    next_week = campaign_get_or_create_for_week(day=thursday + timedelta(days=4))

    assert first == again
    assert first.week == "2026-W48" and next_week.week == "2026-W49"
    assert first.subject == "Your 5 picks for the week of 23 November"


def test_an_empty_campaign_is_sent_at_once(campaign):
    assert campaign_start(campaign_id=campaign.pk) == []

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert mail.outbox == []


def test_each_chunk_sends_over_a_single_smtp_connection(
    smtp_server, popular_offers, campaign, settings
):
    settings.NEWSLETTER_CHUNK_SIZE = 2
    for _ in range(5):
        consenting_user()
    greetings = []

    async def handle_EHLO(server, session, envelope, hostname, responses):
        greetings.append(session.peer)
        session.host_name = hostname
        return responses

    smtp_server.handle_EHLO = handle_EHLO

    send_all(campaign)

    assert len(smtp_server.messages) == 5
    assert len(greetings) == 3  # one connection (one EHLO) per chunk of two


def test_each_sent_message_is_logged_as_exposures_of_its_offers(
    smtp_server, popular_offers, campaign
):
    user = consenting_user()

    send_all(campaign)
    exposures_drain()

    send = Send.objects.get(campaign=campaign, user=user)
    exposures = Exposure.objects.filter(user=user).order_by("position")
    assert [exposure.offer_id for exposure in exposures] == send.offer_ids
    assert {(e.request_id, e.surface, e.strategy) for e in exposures} == {
        (f"newsletter-{send.pk}", "newsletter", "popular")
    }


def test_each_recipients_exposures_carry_their_canary_variant(
    smtp_server, popular_offers, campaign
):
    homepage_flag_set(50)
    users = [consenting_user()]
    # Until both variants have a recipient, so the test could see a mix-up.
    first_variant = variant_for_user(flag_name=FLAG, user=users[0])
    while variant_for_user(flag_name=FLAG, user=users[-1]) == first_variant:
        users.append(consenting_user())

    send_all(campaign)
    exposures_drain()

    logged = dict(Exposure.objects.filter(position=1).values_list("user_id", "variant"))
    expected = {user.pk: variant_for_user(flag_name=FLAG, user=user) for user in users}
    assert logged == expected
    assert set(expected.values()) == {"control", "treatment"}


def test_sent_messages_are_still_logged_as_exposures_while_redis_is_stopped(
    smtp_server, popular_offers, campaign, settings
):
    settings.EXPOSURE_BUFFER_URL = f"redis://127.0.0.1:{free_port()}/0"
    users = [consenting_user() for _ in range(3)]

    send_all(campaign)

    assert Exposure.objects.filter(user__in=users, surface="newsletter").count() == 3 * 5
