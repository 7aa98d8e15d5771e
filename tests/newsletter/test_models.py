"""What the newsletter's records say about themselves in the admin."""

from datetime import UTC, datetime

from newsletter.models import Campaign, Click, Unsubscription


def test_a_campaign_is_named_by_its_planned_date_in_the_sites_time_zone():
    # 23:30 UTC on June 30th is already July 1st in Paris.
    campaign = Campaign(subject="Juillet", planned_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))

    assert str(campaign) == "Juillet (2026-07-01)"


def test_a_click_is_named_by_its_minute_in_the_sites_time_zone(english):
    # 22:30 UTC on July 1st is 00:30 on July 2nd in Paris (summer time).
    click = Click(user_id=7, offer_id=9, clicked_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))

    assert str(click) == "7 clicked 9 (2026-07-02 00:30)"


def test_an_unsubscription_is_named_by_its_day_in_the_sites_time_zone(english):
    unsubscription = Unsubscription(user_id=7, created_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC))

    assert str(unsubscription) == "7 unsubscribed (2026-07-02)"
