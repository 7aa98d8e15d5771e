"""What the newsletter's records say about themselves in the admin."""

from datetime import UTC, datetime

from newsletter.models import Campaign


def test_a_campaign_is_named_by_its_planned_date_in_the_sites_time_zone():
    # 23:30 UTC on June 30th is already July 1st in Paris.
    campaign = Campaign(subject="Juillet", planned_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))

    assert str(campaign) == "Juillet (2026-07-01)"
