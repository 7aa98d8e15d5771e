"""The newsletter admin: campaign progress, the start/resume action, read-only delivery records."""

import pytest
from django.urls import reverse

from newsletter.models import Send
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


def test_the_start_action_queues_the_campaign_after_commit(
    client, staff_user, campaign, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("admin:newsletter_campaign_changelist"),
            {"action": "start_sending", "_selected_action": [campaign.pk]},
            follow=True,
        )

    assert len(callbacks) == 1
    assert b"1 campaign queued for sending." in response.content


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
def test_with_the_broker_down_the_start_action_says_so_and_changes_nothing(
    client, staff_user, campaign, unreachable_broker
):
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
    assert campaign.status == campaign.Status.DRAFT
