"""The dashboard's model registry panels: versions and retraining decisions, charts and tables."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.model_charts import model_versions_panel, retraining_decisions_panel
from recommendations.models import ModelVersion, RetrainingDecision

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
DASHBOARD = reverse("metrics:dashboard")


@pytest.fixture
def history():
    """v-old served, was replaced by v-new after a halved click-through; a later run kept it."""
    now = timezone.now()
    old = ModelVersion.objects.create(
        version_id="v-old",
        artifact_name="ranker/v-old.joblib",
        artifact_checksum="0" * 64,
        status=ModelVersion.Status.RETIRED,
        offline_metrics={"ndcg@10": 0.21},
        created_at=now - timedelta(days=40),
        retirement_reason="replaced by v-new: challenger better by 2%",
    )
    new = ModelVersion.objects.create(
        version_id="v-new",
        artifact_name="ranker/v-new.joblib",
        artifact_checksum="1" * 64,
        status=ModelVersion.Status.CHAMPION,
        offline_metrics={"ndcg@10": 0.26},
        created_at=now - timedelta(days=5),
        promoted_at=now - timedelta(days=5),
        promoted_by="daily monitoring task",
        previous_champion=old,
    )
    halved = {
        "name": "click_through_vs_first_days",
        "fired": True,
        "figures": {"recent_rate": 0.025, "recent_rate_low": 0.021, "recent_rate_high": 0.029},
    }
    RetrainingDecision.objects.create(
        created_at=now - timedelta(days=5),
        triggered_by="daily monitoring task",
        checks=[halved],
        fired=["click_through_vs_first_days"],
        champion=old,
        challenger=new,
        champion_metrics={"ndcg@10": 0.18},
        challenger_metrics={"ndcg@10": 0.25},
        verdict=RetrainingDecision.Verdict.PROMOTED,
        reason="challenger ndcg@10 0.2500, champion 0.1800: better by at least 2%",
    )
    RetrainingDecision.objects.create(
        triggered_by="daily monitoring task",
        checks=[],
        fired=[],
        champion=new,
        verdict=RetrainingDecision.Verdict.NO_TRIGGER,
        reason="no check fired",
    )


def test_the_dashboard_shows_versions_and_decisions_with_their_figures(client, staff_user, history):
    client.force_login(staff_user)
    page = client.get(DASHBOARD).content.decode()
    assert 'id="model-versions"' in page and 'id="retraining-decisions"' in page
    assert "champion: v-new, promoted" in page
    # The old champion's last measured click-through, with its interval.
    assert "2.50% [2.10%; 2.90%]" in page
    assert "challenger ndcg@10 0.2500, champion 0.1800" in page
    assert "Last run" in page and "nothing fired" in page


def test_the_dashboard_says_when_nothing_is_registered(client, staff_user):
    client.force_login(staff_user)
    page = client.get(DASHBOARD).content.decode()
    assert "No model version is registered yet." in page
    assert "The monitoring has not run yet." in page


def test_the_panels_write_times_in_the_sites_time_zone():
    # 22:30 UTC on July 1st is 00:30 on July 2nd in Paris (summer time).
    late_evening_utc = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    version = ModelVersion.objects.create(
        version_id="v-late",
        artifact_name="ranker/v-late.joblib",
        artifact_checksum="2" * 64,
        status=ModelVersion.Status.CHAMPION,
        offline_metrics={"ndcg@10": 0.2},
        created_at=late_evening_utc,
        promoted_at=late_evening_utc,
        promoted_by="staff",
    )
    decision = RetrainingDecision.objects.create(
        created_at=late_evening_utc,
        triggered_by="daily monitoring task",
        champion=version,
        verdict=RetrainingDecision.Verdict.NO_TRIGGER,
        reason="no check fired",
    )

    # Pygal writes the x labels only from two points on.
    earlier = ModelVersion.objects.create(
        version_id="v-early",
        artifact_name="ranker/v-early.joblib",
        artifact_checksum="3" * 64,
        status=ModelVersion.Status.RETIRED,
        offline_metrics={"ndcg@10": 0.1},
        created_at=late_evening_utc - timedelta(days=1),
    )

    versions = model_versions_panel([earlier, version], [decision])
    decisions = retraining_decisions_panel([decision])

    assert "promoted 2026-07-02 00:30" in versions.summary
    assert "2026-07-02 v-late" in str(versions.svg)
    assert "Last run 2026-07-02 00:30" in decisions.summary
    assert decisions.rows[0][0] == "2026-07-02 00:30"
    assert "2026-07-02 00:30" in str(decisions.svg)
