"""The daily health report of the champion: online rates, input drift and age.

Each check says whether it fired and why, with its figures; a retraining is due
when any fired (ADR 0030). Nothing here writes.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from recommendations.models import ModelVersion
from recommendations.registry.drift import feature_drift_measure
from recommendations.registry.exposure_log import (
    RATES,
    arm_rate_samples,
    champion_arm,
    control_arm,
    serving_arm,
)
from recommendations.registry.features import DRIFT_FEATURES, drift_feature_values
from recommendations.registry.online import PerPersonCounts, rate_drop_compare
from recommendations.registry.selectors import model_version_age, model_version_champion

# The checks that compare the serving variant with its own previous days: when one fires,
# what people do changed within the last two weeks (retraining.contest_recipe).
PREVIOUS_DAYS_CHECKS = tuple(f"{rate}_vs_previous_days" for rate in RATES)


@dataclass(frozen=True)
class Check:
    name: str
    kind: str
    fired: bool
    detail: str
    figures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MonitoringReport:
    now: datetime
    champion: ModelVersion | None
    checks: list[Check]

    @property
    def fired(self) -> list[str]:
        return [check.name for check in self.checks if check.fired]

    def checks_as_json(self) -> list[dict]:
        return [asdict(check) for check in self.checks]

    def figure(self, name: str, key: str):
        """One figure of one check (None when absent), for the dashboard's timeline."""
        for check in self.checks:
            if check.name == name:
                return check.figures.get(key)
        return None


def model_monitoring_report(*, now: datetime) -> MonitoringReport:
    """Every check of the champion at `now`; with no champion, one check that fires."""
    champion = model_version_champion()
    if champion is None:
        missing = Check("no_champion", "registry", True, "no model is champion: train a first one")
        return MonitoringReport(now=now, champion=None, checks=[missing])
    checks = [
        *online_checks(champion=champion, now=now),
        *drift_checks(champion=champion, now=now),
        age_check(champion=champion, now=now),
    ]
    return MonitoringReport(now=now, champion=champion, checks=checks)


def online_checks(*, champion: ModelVersion, now: datetime) -> list[Check]:
    """Each rate of the champion's recent days against its first days and the control arm,
    and each rate of the variant serving it against that variant's previous days."""
    recent_since = now - timedelta(days=settings.MODEL_MONITORING_RECENT_DAYS)
    baseline_since = champion.promoted_at or champion.created_at
    baseline_until = baseline_since + timedelta(days=settings.MODEL_MONITORING_BASELINE_DAYS)
    recent = arm_rate_samples(
        arm=champion_arm(version_id=champion.version_id), since=recent_since, until=now
    )
    control = arm_rate_samples(
        arm=control_arm(variant=settings.MODEL_MONITORING_CONTROL_VARIANT),
        since=recent_since,
        until=now,
    )
    # Until the recent window clears the first days, the champion has no past to compare with.
    has_own_baseline = baseline_until <= recent_since
    baseline = (
        arm_rate_samples(
            arm=champion_arm(version_id=champion.version_id),
            since=baseline_since,
            until=baseline_until,
        )
        if has_own_baseline
        else None
    )
    checks = []
    for rate in RATES:
        if baseline is None:
            checks.append(
                Check(f"{rate}_vs_first_days", "online", False, "in service for too few days")
            )
        else:
            checks.append(
                rate_check(
                    name=f"{rate}_vs_first_days", recent=recent[rate], reference=baseline[rate]
                )
            )
        checks.append(
            rate_check(name=f"{rate}_vs_control", recent=recent[rate], reference=control[rate])
        )
    return checks + previous_days_checks(champion=champion, now=now)


def previous_days_checks(*, champion: ModelVersion, now: datetime) -> list[Check]:
    """Each rate of the variant serving the champion, its recent days against the
    MODEL_MONITORING_PREVIOUS_DAYS just before them, whichever versions served it then.

    The two other references can both miss a change of the world: the champion's first
    days are themselves after the change when it was promoted the night before, and a
    control that suffers more than the champion hides the champion's own fall. The
    days just before are the arm's latest level, not one from weeks ago that an
    earlier promotion has since raised or lowered (ADR 0030).
    """
    recent_since = now - timedelta(days=settings.MODEL_MONITORING_RECENT_DAYS)
    previous_since = recent_since - timedelta(days=settings.MODEL_MONITORING_PREVIOUS_DAYS)
    arm = serving_arm(version_id=champion.version_id, since=recent_since, until=now)
    recent = arm_rate_samples(arm=arm, since=recent_since, until=now)
    previous = arm_rate_samples(arm=arm, since=previous_since, until=recent_since)
    return [
        rate_check(name=name, recent=recent[rate], reference=previous[rate])
        for rate, name in zip(RATES, PREVIOUS_DAYS_CHECKS, strict=True)
    ]


def rate_check(*, name: str, recent: PerPersonCounts, reference: PerPersonCounts) -> Check:
    comparison = rate_drop_compare(
        name=name,
        recent=recent,
        reference=reference,
        confidence=settings.MODEL_MONITORING_CONFIDENCE,
        min_relative_drop=settings.MODEL_MONITORING_MIN_RELATIVE_DROP,
        min_impressions=settings.MODEL_MONITORING_MIN_IMPRESSIONS,
    )
    return Check(name, "online", comparison.fired, comparison.detail, comparison.as_dict())


def drift_checks(*, champion: ModelVersion, now: datetime) -> list[Check]:
    since = now - timedelta(days=settings.MODEL_MONITORING_RECENT_DAYS)
    recent = drift_feature_values(since=since, until=now)
    checks = []
    for feature in DRIFT_FEATURES:
        result = feature_drift_measure(
            feature=feature,
            training=champion.feature_statistics.get(feature, {}),
            recent_values=recent[feature],
            psi_threshold=settings.MODEL_DRIFT_PSI_THRESHOLD,
            min_sample=settings.MODEL_DRIFT_MIN_SAMPLE,
        )
        figures = {"psi": result.psi, "threshold": result.threshold, "count": result.recent_count}
        checks.append(Check(f"drift_{feature}", "drift", result.fired, result.detail, figures))
    return checks


def age_check(*, champion: ModelVersion, now: datetime) -> Check:
    age = model_version_age(version=champion, now=now)
    limit = timedelta(days=settings.MODEL_MAX_AGE_DAYS)
    fired = age >= limit
    side = "at or past" if fired else "under"
    detail = f"in service for {age.days} days, {side} the {limit.days}-day maximum"
    return Check("max_age", "age", fired, detail, {"age_days": age.total_seconds() / 86400})
