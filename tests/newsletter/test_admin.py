"""The newsletter admin: campaign progress, the start/resume action, read-only delivery records."""

import pytest
from django.urls import reverse

from newsletter.models import Campaign, Send, Unsubscription
from tests.factories import UserFactory
from tests.marketplace.test_admin import change_form_data
from tests.newsletter.conftest import consenting_user

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_campaign_list_and_page_show_send_counts(client, staff_user, campaign):
    Send.objects.create(campaign=campaign, user=consenting_user(), status="failed")
    Send.objects.create(campaign=campaign, user=consenting_user())
    client.force_login(staff_user)

    listing = client.get(reverse("admin:newsletter_campaign_changelist"))
    page = client.get(reverse("admin:newsletter_campaign_change", args=[campaign.pk]))

    assert listing.status_code == 200
    row = listing.context["cl"].result_list.get(pk=campaign.pk)
    assert (row.sends_total_count, row.sends_pending_count, row.sends_failed_count) == (2, 1, 1)
    assert b"1 pending, 0 sending, 0 sent, 1 failed, 0 skipped; 0 attributed bookings." in (
        page.content
    )


def test_the_start_action_starts_the_campaign_and_queues_its_chunks_after_commit(
    client, staff_user, campaign, django_capture_on_commit_callbacks
):
    consenting_user()
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("admin:newsletter_campaign_changelist"),
            {"action": "start_sending", "_selected_action": [campaign.pk]},
            follow=True,
        )

    assert len(callbacks) == 1
    assert b"1 campaign started and queued for sending (1 chunk)." in response.content
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.sends.get().status == Send.Status.PENDING


def test_sends_are_read_only_in_the_admin(client, staff_user, campaign):
    send = Send.objects.create(campaign=campaign, user=consenting_user())
    client.force_login(staff_user)

    assert client.get(reverse("admin:newsletter_send_changelist")).status_code == 200
    assert client.get(reverse("admin:newsletter_send_add")).status_code == 403
    response = client.post(
        reverse("admin:newsletter_send_change", args=[send.pk]), {"status": "sent"}
    )
    assert response.status_code == 403
    send.refresh_from_db()
    assert send.status == Send.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_start_action_says_so_and_leaves_the_sends_pending(
    client, staff_user, campaign, unreachable_broker
):
    consenting_user()
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:newsletter_campaign_changelist"),
        {"action": "start_sending", "_selected_action": [campaign.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert b"Could not reach the task queue" in response.content
    assert b"0 of 1 campaigns queued" in response.content
    campaign.refresh_from_db()
    # Started, nothing lost: the sweep or a manual resume queues the pending sends.
    assert campaign.status == campaign.Status.SENDING
    assert campaign.sends.get().status == Send.Status.PENDING


def campaign_form(**overrides) -> dict:
    return {
        "subject": "Autumn picks",
        "planned_at_0": "2026-12-03",
        "planned_at_1": "09:00:00",
        "strategy": "popular",
        **overrides,
    }


def test_the_admin_creates_a_campaign_with_a_registered_strategy(client, staff_user):
    client.force_login(staff_user)

    response = client.post(reverse("admin:newsletter_campaign_add"), campaign_form())

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.subject, campaign.strategy, campaign.status) == (
        "Autumn picks",
        "popular",
        Campaign.Status.DRAFT,
    )


@pytest.mark.parametrize("page", ["add", "change"])
def test_the_admin_refuses_a_strategy_that_is_not_registered(client, staff_user, campaign, page):
    client.force_login(staff_user)
    url = (
        reverse("admin:newsletter_campaign_add")
        if page == "add"
        else reverse("admin:newsletter_campaign_change", args=[campaign.pk])
    )

    response = client.post(url, campaign_form(strategy="astrology"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["strategy"] == [
        "Select a valid choice. astrology is not one of the available choices."
    ]
    assert list(Campaign.objects.values_list("strategy", flat=True)) == [campaign.strategy]


def test_the_admin_edits_a_campaign_through_the_service(client, staff_user, campaign):
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:newsletter_campaign_change", args=[campaign.pk]),
        campaign_form(subject="Winter picks", strategy="geo"),
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.subject, campaign.strategy) == ("Winter picks", "geo")


def test_consent_withdrawn_in_the_user_admin_is_recorded_as_an_unsubscription(client, staff_user):
    user = consenting_user()
    client.force_login(staff_user)
    url = reverse("admin:marketplace_user_change", args=[user.pk])
    form = change_form_data(client.get(url), "user_form")
    del form["newsletter_consent"]  # an unticked box is not posted

    response = client.post(url, form)

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.newsletter_consent, user.newsletter_consent_at) == (False, None)
    unsubscription = Unsubscription.objects.get()
    assert (unsubscription.user, unsubscription.method, unsubscription.send) == (
        user,
        Unsubscription.Method.STAFF,
        None,
    )


def test_consent_given_in_the_user_admin_is_dated_and_records_no_unsubscription(client, staff_user):
    user = UserFactory(newsletter_consent=False)
    client.force_login(staff_user)
    url = reverse("admin:marketplace_user_change", args=[user.pk])

    response = client.post(
        url, change_form_data(client.get(url), "user_form", newsletter_consent="on")
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.newsletter_consent and user.newsletter_consent_at is not None
    assert not Unsubscription.objects.exists()
