"""The monitoring on the database: rates from the exposure log, drift from bookings, age."""

from datetime import datetime, timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from experiments.services import booking_attributions_record
from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry.exposure_log import (
    arm_rate_samples,
    champion_arm,
    control_arm,
    serving_arm,
)
from recommendations.registry.monitoring import model_monitoring_report
from recommendations.registry.services import model_version_promote
from tests.recommendations.registry.exposure_history import (
    clicks_booked,
    lists_shown,
    offers,
    people,
)

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_arm_rates_count_each_persons_impressions_clicks_and_attributed_bookings():
    rng = np.random.default_rng(1)
    now = timezone.now()
    shoppers = people(3)
    clicks = lists_shown(
        rng=rng, shoppers=shoppers, catalogue=offers(), since=now - 3 * DAY, days=2,
        ctr=0.3, variant="treatment", strategy="ml", model_version="v1",
    )  # fmt: skip
    # Other offers for the control arm, so that each booking follows one arm's click.
    lists_shown(
        rng=rng, shoppers=shoppers, catalogue=offers(), since=now - 3 * DAY, days=2,
        ctr=0.9, variant="control", strategy="geo",
    )  # fmt: skip
    clicks_booked(clicks)
    booking_attributions_record(since=now - 10 * DAY)

    rates = arm_rate_samples(arm=champion_arm(version_id="v1"), since=now - 4 * DAY, until=now)

    assert sorted(rates["click_through"].impressions) == [20, 20, 20]
    assert rates["click_through"].events.sum() == len(clicks)
    booked_pairs = {(click.user_id, click.offer_id) for click in clicks}
    assert rates["booking_rate"].events.sum() == len(booked_pairs)
    control = arm_rate_samples(arm=control_arm(variant="control"), since=now - 4 * DAY, until=now)
    assert control["booking_rate"].events.sum() == 0


def champion_since(version, *, days: int) -> None:
    model_version_promote(version_id=version.version_id, actor="test", reason="test")
    promoted_at = timezone.now() - days * DAY
    ModelVersion.objects.filter(pk=version.pk).update(promoted_at=promoted_at)


@pytest.fixture
def champion_whose_clicks_halved(register):
    """v1 promoted 20 days ago: 10% of positions clicked in its first week, 5% in the last
    week, while the control arm keeps 10%."""
    rng = np.random.default_rng(2)
    now = timezone.now()
    champion = register()
    champion_since(champion, days=20)
    version_id = champion.version_id
    shoppers, catalogue = people(60), offers()
    shown = dict(rng=rng, shoppers=shoppers, catalogue=catalogue, days=7, strategy="ml")
    lists_shown(
        **shown, since=now - 20 * DAY, ctr=0.10, variant="treatment", model_version=version_id
    )
    lists_shown(
        **shown, since=now - 7 * DAY, ctr=0.05, variant="treatment", model_version=version_id
    )
    lists_shown(**shown, since=now - 7 * DAY, ctr=0.10, variant="control")
    return now


def test_halved_click_through_fires_against_the_first_days_and_the_control(
    champion_whose_clicks_halved,
):
    report = model_monitoring_report(now=champion_whose_clicks_halved)
    assert report.champion.status == ModelVersion.Status.CHAMPION
    assert "click_through_vs_first_days" in report.fired
    assert "click_through_vs_control" in report.fired
    assert "max_age" not in report.fired


def test_dry_run_reports_the_degradation_and_changes_nothing(champion_whose_clicks_halved, capsys):
    versions_before = list(ModelVersion.objects.values())
    call_command("retrain_if_degraded", "--dry-run")
    output = capsys.readouterr().out
    assert "FIRED click_through_vs_first_days" in output
    assert "would retrain" in output
    assert list(ModelVersion.objects.values()) == versions_before
    assert not RetrainingDecision.objects.exists()


def test_a_champion_past_its_maximum_age_is_due(register, settings):
    settings.MODEL_MAX_AGE_DAYS = 30
    champion_since(register(), days=31)
    report = model_monitoring_report(now=timezone.now())
    assert report.fired == ["max_age"]


def test_a_healthy_young_champion_fires_nothing(register):
    champion_since(register(), days=2)
    assert model_monitoring_report(now=timezone.now()).fired == []


def test_the_command_refuses_an_unreadable_moment_in_one_line():
    with pytest.raises(CommandError, match="--now"):
        call_command("retrain_if_degraded", "--dry-run", "--now", "yesterday-ish")


@pytest.fixture
def world_changed_the_night_before_a_promotion(register):
    """The treatment variant clicked 6% of positions under v-old two to four weeks ago,
    10% under v0 the week before last (a promotion raised it), then `clicks_then` this
    week under the champion, promoted the night the world changed; the control fell
    further than the treatment, from 10% to 4%."""

    def history(*, clicks_then: float) -> datetime:
        rng = np.random.default_rng(3)
        now = timezone.now()
        champion = register()
        champion_since(champion, days=7)
        shoppers, catalogue = people(60), offers()
        shown = dict(rng=rng, shoppers=shoppers, catalogue=catalogue, strategy="ml")
        for since, days, ctr, version in (
            (28, 14, 0.06, "v-old"),
            (14, 7, 0.10, "v0"),
            (7, 7, clicks_then, champion.version_id),
        ):
            lists_shown(
                **shown, since=now - since * DAY, days=days, ctr=ctr, variant="treatment",
                model_version=version,
            )  # fmt: skip
        for since, ctr in ((28, 0.10), (7, 0.04)):
            lists_shown(**shown, since=now - since * DAY, days=7, ctr=ctr, variant="control")
        return now

    return history


def test_a_fall_since_the_previous_week_fires_where_first_days_and_control_are_blind(
    world_changed_the_night_before_a_promotion,
):
    now = world_changed_the_night_before_a_promotion(clicks_then=0.06)
    report = model_monitoring_report(now=now)
    assert "click_through_vs_previous_days" in report.fired
    # The champion's first days are the fallen days, and the control fell further.
    assert "click_through_vs_first_days" not in report.fired
    assert "click_through_vs_control" not in report.fired
    change = report.figure("click_through_vs_previous_days", "relative_change")
    assert change == pytest.approx(-0.4, abs=0.1)


def test_the_serving_variant_keeping_its_rate_fires_nothing_against_its_previous_week(
    world_changed_the_night_before_a_promotion,
):
    now = world_changed_the_night_before_a_promotion(clicks_then=0.10)
    report = model_monitoring_report(now=now)
    assert "click_through_vs_previous_days" not in report.fired
    assert report.figure("click_through_vs_previous_days", "reference_impressions") > 2000


def test_the_previous_week_is_that_of_the_variant_serving_the_champion():
    now = timezone.now()
    lists_shown(
        rng=np.random.default_rng(4), shoppers=people(2), catalogue=offers(),
        since=now - 3 * DAY, days=1, ctr=0.1, variant="canary", strategy="ml",
        model_version="v9",
    )  # fmt: skip
    arm = serving_arm(version_id="v9", since=now - 4 * DAY, until=now)
    assert arm == Q(variant__in=["canary"])
    assert serving_arm(version_id="v8", since=now - 4 * DAY, until=now) == Q(variant__in=[])
