"""Retraining when the champion degrades, behind a promotion gate (ADR 0029).

When a check of the monitoring fires, a challenger is trained on the days
before the most recent held-out period; champion and challenger are both
evaluated offline on that period; the challenger wins only if its artifact
loads and answers and it beats the champion by the configured margin. The
winning recipe is then refitted on the window up to now, held-out days
included, and that refit serves.
Whatever happens is recorded as a RetrainingDecision.
"""

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from config.local_times import local_minute
from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry import learner
from recommendations.registry.artifacts import ArtifactCheck, artifact_check
from recommendations.registry.monitoring import (
    PREVIOUS_DAYS_CHECKS,
    MonitoringReport,
    model_monitoring_report,
)
from recommendations.registry.services import (
    ChampionChangedError,
    RegistryError,
    model_version_promote,
    model_version_register,
    model_version_retire,
    retraining_decision_record,
)

logger = logging.getLogger(__name__)
Verdict = RetrainingDecision.Verdict


def failure_log(error: Exception, message: str, *args) -> None:
    """Log `message` followed by `error`: one line for an expected error, the traceback
    for anything else (a bug, which needs it)."""
    log = logger.error if isinstance(error, learner.EXPECTED_ERRORS) else logger.exception
    log(f"{message}: %s", *args, error)


@dataclass(frozen=True)
class PromotionVerdict:
    promote: bool
    reason: str


def promotion_verdict(
    *,
    champion_metrics: dict,
    challenger_metrics: dict,
    artifact: ArtifactCheck,
    metric: str,
    margin: float,
) -> PromotionVerdict:
    """Whether the challenger may replace the champion: its artifact answers, and its `metric`
    is at least the champion's times (1 + margin) and strictly above it."""
    if not artifact.ok:
        return PromotionVerdict(False, f"challenger refused: {artifact.reason}")
    challenger = challenger_metrics.get(metric)
    if challenger is None or not math.isfinite(challenger):
        return PromotionVerdict(False, f"challenger has no {metric} on the held-out period")
    champion = champion_metrics.get(metric)
    if champion is None or not math.isfinite(champion):
        return PromotionVerdict(
            True, f"no champion {metric} to beat; challenger {metric} {challenger:.4f}"
        )
    needed = champion * (1 + margin)
    figures = f"challenger {metric} {challenger:.4f}, champion {champion:.4f}"
    if challenger >= needed and challenger > champion:
        return PromotionVerdict(True, f"{figures}: better by at least {margin:.0%}")
    return PromotionVerdict(False, f"{figures}: not better by {margin:.0%} (needs {needed:.4f})")


@dataclass(frozen=True)
class ContestRecipe:
    """How a challenger is trained and judged: its name, and the days held out at the end
    of the data (the challenger trains on MODEL_RETRAIN_TRAINING_DAYS before them)."""

    name: str
    holdout_days: int

    def as_dict(self) -> dict:
        return asdict(self)


def contest_recipe(*, report: MonitoringReport) -> ContestRecipe:
    """The ordinary recipe, or the recent one when the serving variant's rates fell
    against its own previous days.

    Such a fall says that what people do changed within the last two weeks. The
    ordinary recipe cannot see it: its challenger stops a week before now, so it
    has seen none or few of the changed days and is the champion's recipe again,
    able to win the margin only by chance. The recent one holds out fewer days, so
    that the challenger's data reaches closer to now (ADR 0029). A slow decline
    since the promotion, or a gap to the control, keep the ordinary recipe: there
    the longer hold-out judges more surely.
    """
    if any(check.fired and check.name in PREVIOUS_DAYS_CHECKS for check in report.checks):
        return ContestRecipe("recent", settings.MODEL_RETRAIN_RECENT_HOLDOUT_DAYS)
    return ContestRecipe("ordinary", settings.MODEL_RETRAIN_HOLDOUT_DAYS)


@dataclass
class RetrainingOutcome:
    report: MonitoringReport
    verdict: str
    reason: str
    champion: ModelVersion | None = None
    challenger: ModelVersion | None = None
    champion_metrics: dict = field(default_factory=dict)
    challenger_metrics: dict = field(default_factory=dict)
    decision: RetrainingDecision | None = None


def model_retrain_if_degraded(
    *, now: datetime, actor: str, dry_run: bool = False, force: bool = False
) -> RetrainingOutcome:
    """Run the monitoring at `now`; if a check fired (or `force`), retrain behind the gate.

    A dry run measures and says what would happen, and writes nothing: no
    training, no version, no decision.
    """
    started = time.monotonic()
    report = model_monitoring_report(now=now)
    due = bool(report.fired) or force
    deferral = None if force or not due else drift_retry_deferral(report=report, now=now)
    if not due:
        outcome = RetrainingOutcome(report, Verdict.NO_TRIGGER, "no check fired", report.champion)
    elif deferral:
        outcome = RetrainingOutcome(report, Verdict.DEFERRED, deferral, report.champion)
    elif dry_run:
        what = ", ".join(report.fired) or "forced"
        return RetrainingOutcome(report, "", f"would retrain ({what}); dry run, nothing changed")
    else:
        outcome = challenger_contest(report=report, now=now, actor=actor)
    if dry_run:
        return outcome
    outcome.decision = retraining_decision_record(
        triggered_by=actor,
        checks=report.checks_as_json(),
        fired=report.fired or (["forced"] if force else []),
        verdict=outcome.verdict,
        reason=outcome.reason,
        champion=outcome.champion,
        challenger=outcome.challenger,
        champion_metrics=outcome.champion_metrics,
        challenger_metrics=outcome.challenger_metrics,
        duration_seconds=time.monotonic() - started,
    )
    return outcome


def drift_retry_deferral(*, report: MonitoringReport, now: datetime) -> str | None:
    """Why a retraining waits (None: it does not): only input-drift checks fired, and a
    challenger lost to this same champion less than MODEL_DRIFT_RETRY_DAYS ago.

    The drift checks compare recent bookings with the champion's training window; a
    shift they see (the model's own footprint on what people book, say) stays until
    the champion changes, so they fire night after night, and each night's challenger,
    trained on nearly the same days, lost the same contest. Online checks and age are
    never deferred: they are about the champion getting worse.
    """
    fired = [check for check in report.checks if check.fired]
    if report.champion is None or any(check.kind != "drift" for check in fired):
        return None
    retry = timedelta(days=settings.MODEL_DRIFT_RETRY_DAYS)
    lost = (
        RetrainingDecision.objects.filter(
            champion=report.champion,
            verdict=Verdict.KEPT_CHAMPION,
            created_at__gt=now - retry,
            created_at__lte=now,
        )
        .order_by("-created_at")
        .first()
    )
    if lost is None:
        return None
    return (
        f"only input drift fired ({', '.join(check.name for check in fired)}); a challenger "
        f"lost to this champion on {local_minute(lost.created_at)}, next try on drift alone "
        f"from {local_minute(lost.created_at + retry)}"
    )


def challenger_contest(*, report: MonitoringReport, now: datetime, actor: str) -> RetrainingOutcome:
    """Train, evaluate both, and promote or keep. A failure keeps the champion, with its reason."""
    champion = report.champion
    recipe = contest_recipe(report=report)
    holdout_since = now - timedelta(days=recipe.holdout_days)
    training_since = holdout_since - timedelta(days=settings.MODEL_RETRAIN_TRAINING_DAYS)
    outcome = RetrainingOutcome(report, Verdict.FAILED, "", champion)
    try:
        trained = learner.challenger_train(since=training_since, until=holdout_since)
        outcome.challenger = model_version_register(
            artifact_name=trained.artifact_name, metadata_name=trained.metadata_name
        )
        check = artifact_check(version=outcome.challenger)
        if check.ok:
            outcome.challenger_metrics = holdout_evaluate(
                version=outcome.challenger, since=holdout_since, until=now
            ) | {"recipe": recipe.as_dict()}
        if champion is not None:
            outcome.champion_metrics = holdout_evaluate(
                version=champion, since=holdout_since, until=now
            )
    except Exception as error:
        failure_log(error, "Retraining failed; the champion stays")
        outcome.reason = f"retraining failed: {error}"
        return outcome
    verdict = promotion_verdict(
        champion_metrics=outcome.champion_metrics,
        challenger_metrics=outcome.challenger_metrics,
        artifact=check,
        metric=settings.MODEL_PROMOTION_METRIC,
        margin=settings.MODEL_PROMOTION_MARGIN,
    )
    outcome.reason = f"{verdict.reason} ({recipe.name} recipe, {recipe.holdout_days} days held out)"
    if verdict.promote:
        try:
            challenger_refit_promote(outcome=outcome, now=now, actor=actor)
            outcome.verdict = Verdict.PROMOTED
            return outcome
        except RegistryError as refusal:
            outcome.reason = str(refusal)
    model_version_retire(
        version_id=outcome.challenger.version_id, actor=actor, reason=outcome.reason
    )
    outcome.verdict = Verdict.KEPT_CHAMPION
    return outcome


def challenger_refit_promote(*, outcome: RetrainingOutcome, now: datetime, actor: str) -> None:
    """Promote the recipe that won on the held-out days, refitted on the training window up
    to `now`, so that the served model has learnt from the held-out days too (after a change
    of tastes, the most telling ones). The refit's artifact is checked by the promotion; if
    it cannot be trained or refused, the evaluated challenger serves instead.

    `outcome.challenger` becomes the version promoted; the one evaluated is retired, named in
    the challenger's metrics.
    """
    evaluated, refit = outcome.challenger, None
    try:
        trained = learner.challenger_train(
            since=now - timedelta(days=settings.MODEL_RETRAIN_TRAINING_DAYS), until=now
        )
        refit = model_version_register(
            artifact_name=trained.artifact_name, metadata_name=trained.metadata_name
        )
        model_version_promote(
            version_id=refit.version_id,
            actor=actor,
            reason=f"{outcome.reason}; refitted on the days up to {local_minute(now)}",
            replacing=outcome.champion,
        )
    except ChampionChangedError as changed:
        # Another run crowned a champion meanwhile: neither this refit nor the evaluated
        # challenger was judged against it.
        model_version_retire(version_id=refit.version_id, actor=actor, reason=str(changed))
        raise
    except Exception as error:
        failure_log(error, "Refitting the winning challenger failed; the evaluated one serves")
        outcome.reason = f"{outcome.reason} (refit failed: {error})"
        if refit is not None:
            model_version_retire(version_id=refit.version_id, actor=actor, reason=outcome.reason)
        model_version_promote(
            version_id=evaluated.version_id,
            actor=actor,
            reason=outcome.reason,
            replacing=outcome.champion,
        )
        return
    model_version_retire(
        version_id=evaluated.version_id,
        actor=actor,
        reason=f"won on the held-out days; serves refitted as {refit.version_id}",
    )
    outcome.challenger = refit
    outcome.challenger_metrics = outcome.challenger_metrics | {
        "evaluated_version": evaluated.version_id
    }
    outcome.reason = f"{outcome.reason}; refitted up to the run as {refit.version_id}"


def holdout_evaluate(*, version: ModelVersion, since: datetime, until: datetime) -> dict:
    """The version's offline metrics on the held-out period; an evaluation that fails is
    recorded as such (a broken champion must not block a working challenger)."""
    try:
        return learner.version_evaluate(version_id=version.version_id, since=since, until=until)
    except Exception as error:
        failure_log(error, "Offline evaluation of %s failed", version.version_id)
        return {"error": str(error)}
