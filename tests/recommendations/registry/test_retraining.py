"""The promotion gate: a challenger serves only if its artifact answers and it is better by
the margin; every run is recorded, and a failure keeps the champion."""

import io
import logging
import math
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.ranking.training import TrainingError
from recommendations.registry import learner, retraining
from recommendations.registry.artifacts import ArtifactCheck
from recommendations.registry.monitoring import Check, MonitoringReport
from recommendations.registry.retraining import model_retrain_if_degraded, promotion_verdict
from recommendations.registry.selectors import model_version_champion
from recommendations.registry.services import model_version_promote

SOUND = ArtifactCheck(True, "artifact intact, loads and answers")
BROKEN = ArtifactCheck(False, "artifact x does not load and answer: EOFError")
Verdict = RetrainingDecision.Verdict


def verdict(champion: float | None, challenger: float | None, *, artifact=SOUND, margin=0.02):
    return promotion_verdict(
        champion_metrics={} if champion is None else {"ndcg@10": champion},
        challenger_metrics={} if challenger is None else {"ndcg@10": challenger},
        artifact=artifact,
        metric="ndcg@10",
        margin=margin,
    )


@pytest.mark.parametrize(
    ("champion", "challenger"),
    [(0.30, 0.25), (0.30, 0.30), (0.30, 0.305), (0.0, 0.0), (0.30, math.nan), (0.30, None)],
    ids=["worse", "equal", "better-by-less-than-the-margin", "both-zero", "nan", "no-metric"],
)
def test_a_challenger_not_better_by_the_margin_is_never_promoted(champion, challenger):
    assert not verdict(champion, challenger).promote


def test_a_challenger_better_by_the_margin_is_promoted():
    decision = verdict(0.30, 0.31)
    assert decision.promote
    assert "challenger ndcg@10 0.3100, champion 0.3000" in decision.reason


def test_a_broken_artifact_is_never_promoted_however_good_its_figures():
    decision = verdict(0.30, 0.90, artifact=BROKEN)
    assert not decision.promote and "does not load" in decision.reason


def test_without_a_champion_figure_a_sound_challenger_is_promoted():
    """The champion's artifact broke (its evaluation failed): a working model beats none."""
    assert verdict(None, 0.2).promote
    assert not verdict(None, 0.2, artifact=BROKEN).promote


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_failed_training_keeps_the_champion_and_is_recorded(register):
    """Nothing to learn from (no bookings): the run fails, records why, and changes nothing."""
    champion = register()
    ModelVersion.objects.filter(pk=champion.pk).update(status=ModelVersion.Status.CHAMPION)
    outcome = model_retrain_if_degraded(now=timezone.now(), actor="test", force=True)
    decision = RetrainingDecision.objects.get()
    assert decision.verdict == Verdict.FAILED and "retraining failed" in decision.reason
    assert decision.fired == ["forced"]
    assert model_version_champion() == champion
    assert outcome.decision == decision


@pytest.mark.django_db
def test_of_two_overlapping_runs_the_later_one_never_replaces_the_earlier_ones_winner(
    register, trained_ranker, monkeypatch
):
    """Run B contests the champion and wins while run A trains: A's challenger was judged
    against the champion B replaced, so A keeps B's winner and says why."""
    first = register()
    model_version_promote(version_id=first.version_id, actor="test", reason="first")
    trainings = []

    def challenger_train(*, since, until):
        trainings.append(until)
        if len(trainings) == 1:
            model_retrain_if_degraded(now=timezone.now(), actor="run B", force=True)
        version = register()
        return learner.TrainedArtifact(version.artifact_name, version.metadata_name, {})

    monkeypatch.setattr(learner, "challenger_train", challenger_train)
    monkeypatch.setattr(
        retraining,
        "holdout_evaluate",
        lambda *, version, since, until: {"ndcg@10": 0.3 if version == first else 0.5},
    )

    run_a = model_retrain_if_degraded(now=timezone.now(), actor="run A", force=True)

    run_b = RetrainingDecision.objects.get(triggered_by="run B")
    assert run_b.verdict == Verdict.PROMOTED and run_b.champion == first
    assert model_version_champion() == run_b.challenger
    assert run_a.verdict == Verdict.KEPT_CHAMPION
    assert f"the champion is now {run_b.challenger.version_id}" in run_a.reason
    statuses = list(ModelVersion.objects.values_list("status", flat=True))
    assert statuses.count(ModelVersion.Status.CHAMPION) == 1
    assert ModelVersion.Status.CANDIDATE not in statuses


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_command_exits_in_one_line_when_the_run_fails(register, caplog):
    """A failed run must not look like success to cron: a non-zero exit with the reason, and
    the expected TrainingError logged as one line, without a traceback."""
    champion = register()
    ModelVersion.objects.filter(pk=champion.pk).update(status=ModelVersion.Status.CHAMPION)
    with (
        caplog.at_level(logging.ERROR),
        pytest.raises(CommandError, match="retraining failed: Too few interactions"),
    ):
        call_command("retrain_if_degraded", "--force", stdout=io.StringIO())
    [logged] = [record for record in caplog.records if record.name == retraining.__name__]
    assert logged.exc_info is None and "Too few interactions" in logged.getMessage()
    assert RetrainingDecision.objects.get().verdict == Verdict.FAILED


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_full_cycle_promotes_a_first_model_then_keeps_it_against_a_lesser_challenger(
    artifact_store, settings, django_capture_on_commit_callbacks
):
    """Real training, held-out evaluation and refit on a small seeded marketplace."""
    call_command("seed_demo", users=200, offers=150, bookings=1500, months=3, seed=3, verbosity=0)
    settings.MODEL_RETRAIN_HOLDOUT_DAYS = 21
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        first = model_retrain_if_degraded(now=now, actor="test")
    assert first.report.fired == ["no_champion"]
    assert first.verdict == Verdict.PROMOTED, first.reason
    champion = model_version_champion()
    assert champion == first.challenger
    assert first.challenger_metrics["ndcg@10"] > 0
    # The recipe that won serves refitted on the whole window, held-out days included.
    evaluated = ModelVersion.objects.get(version_id=first.challenger_metrics["evaluated_version"])
    assert evaluated.status == ModelVersion.Status.RETIRED
    assert champion.version_id in evaluated.retirement_reason
    assert champion.trained_until > evaluated.trained_until

    # No challenger can be 100 times better: the champion stays.
    settings.MODEL_PROMOTION_MARGIN = 100.0
    second = model_retrain_if_degraded(now=now, actor="test", force=True)
    assert second.verdict == Verdict.KEPT_CHAMPION, second.reason
    assert model_version_champion() == champion
    retired = ModelVersion.objects.get(pk=second.challenger.pk)
    assert retired.status == ModelVersion.Status.RETIRED and retired.retirement_reason
    decision = RetrainingDecision.objects.latest("created_at")
    assert decision.champion == champion and decision.challenger == second.challenger
    assert decision.champion_metrics["ndcg@10"] > 0
    assert decision.challenger_metrics["ndcg@10"] > 0
    assert "not better by 10000%" in decision.reason


def report_with(champion, *fired: tuple[str, str]):
    """A monitoring report of `champion` in which the checks (name, kind) `fired` fired."""
    checks = [Check(name, kind, True, "fired for the test") for name, kind in fired]
    checks.append(Check("max_age", "age", False, "young"))
    return MonitoringReport(now=timezone.now(), champion=champion, checks=checks)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lost_days_ago", "fired", "deferred"),
    [
        (1, [("drift_distance_km", "drift")], True),
        # The retry delay (3 days) has passed: drift alone may try again.
        (4, [("drift_distance_km", "drift")], False),
        # The champion is getting worse online: never deferred.
        (1, [("drift_price", "drift"), ("click_through_vs_control", "online")], False),
    ],
)
def test_drift_alone_waits_a_few_days_after_a_challenger_lost_to_the_same_champion(
    register, monkeypatch, settings, lost_days_ago, fired, deferred
):
    settings.MODEL_DRIFT_RETRY_DAYS = 3
    champion = register()
    ModelVersion.objects.filter(pk=champion.pk).update(status=ModelVersion.Status.CHAMPION)
    now = timezone.now()
    RetrainingDecision.objects.create(
        created_at=now - timedelta(days=lost_days_ago),
        triggered_by="test",
        verdict=Verdict.KEPT_CHAMPION,
        reason="challenger not better",
        champion=champion,
    )
    monkeypatch.setattr(
        retraining, "model_monitoring_report", lambda now: report_with(champion, *fired)
    )
    contested = []

    def contest(*, report, now, actor):
        contested.append(now)
        return retraining.RetrainingOutcome(report, Verdict.KEPT_CHAMPION, "lost", champion)

    monkeypatch.setattr(retraining, "challenger_contest", contest)
    outcome = model_retrain_if_degraded(now=now, actor="test")
    assert (outcome.verdict == Verdict.DEFERRED) is deferred
    assert bool(contested) is not deferred
    if deferred:
        assert "only input drift fired (drift_distance_km)" in outcome.reason
        assert outcome.decision.verdict == Verdict.DEFERRED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fired", "holdout_days"),
    [
        # The serving variant does worse than in its previous days: the recent recipe.
        ([("booking_rate_vs_previous_days", "online"), ("drift_price", "drift")], 2),
        ([("click_through_vs_previous_days", "online")], 2),
        # A gap to the control or to the first days, input drift, age: the ordinary one.
        ([("click_through_vs_control", "online")], 7),
        ([("booking_rate_vs_first_days", "online")], 7),
        ([("drift_price", "drift")], 7),
        ([("max_age", "age")], 7),
    ],
)
def test_the_challenger_trains_closer_to_now_when_the_variant_fell_against_its_previous_days(
    register, monkeypatch, settings, fired, holdout_days
):
    settings.MODEL_RETRAIN_HOLDOUT_DAYS = 7
    settings.MODEL_RETRAIN_RECENT_HOLDOUT_DAYS = 2
    settings.MODEL_RETRAIN_TRAINING_DAYS = 90
    champion = register()
    now = timezone.now()
    trainings = []

    def train(**window):
        trainings.append(window)
        raise ValueError("stop after the recipe")

    monkeypatch.setattr(retraining.learner, "challenger_train", train)
    outcome = retraining.challenger_contest(
        report=report_with(champion, *fired), now=now, actor="test"
    )
    assert outcome.verdict == Verdict.FAILED
    assert trainings == [
        {
            "since": now - timedelta(days=holdout_days + 90),
            "until": now - timedelta(days=holdout_days),
        }
    ]


# 22:30 UTC on July 1st is 00:30 on July 2nd in Paris (summer time).
LATE_EVENING_UTC = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_a_deferral_writes_its_times_in_the_sites_time_zone(register, settings):
    settings.MODEL_DRIFT_RETRY_DAYS = 3
    champion = register()
    RetrainingDecision.objects.create(
        created_at=LATE_EVENING_UTC,
        triggered_by="test",
        verdict=Verdict.KEPT_CHAMPION,
        reason="challenger not better",
        champion=champion,
    )
    reason = retraining.drift_retry_deferral(
        report=report_with(champion, ("drift_price", "drift")),
        now=LATE_EVENING_UTC + timedelta(days=1),
    )
    assert "lost to this champion on 2026-07-02 00:30" in reason
    assert "from 2026-07-05 00:30" in reason


@pytest.mark.django_db
def test_a_refit_promotion_writes_its_time_in_the_sites_time_zone(register, monkeypatch):
    evaluated = register()
    refit = register()
    monkeypatch.setattr(
        learner,
        "challenger_train",
        lambda *, since, until: learner.TrainedArtifact(
            refit.artifact_name, refit.metadata_name, {}
        ),
    )
    monkeypatch.setattr(retraining, "model_version_register", lambda **names: refit)
    outcome = retraining.RetrainingOutcome(
        report_with(None), Verdict.FAILED, "won", challenger=evaluated
    )

    retraining.challenger_refit_promote(outcome=outcome, now=LATE_EVENING_UTC, actor="test")

    refit.refresh_from_db()
    assert refit.status == ModelVersion.Status.CHAMPION
    assert "refitted on the days up to 2026-07-02 00:30" in refit.promotion_reason


def retraining_logs(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == retraining.__name__]


@pytest.mark.django_db
def test_an_evaluation_without_held_out_bookings_is_logged_as_one_line(register, caplog):
    """No bookings to judge on is expected on a quiet marketplace: recorded, no traceback."""
    version = register()
    with caplog.at_level(logging.ERROR):
        metrics = retraining.holdout_evaluate(
            version=version, since=LATE_EVENING_UTC, until=LATE_EVENING_UTC + timedelta(days=7)
        )
    assert metrics == {"error": "no bookings on both sides of 2026-07-02 to evaluate on"}
    [logged] = retraining_logs(caplog)
    assert logged.exc_info is None and "no bookings on both sides" in logged.getMessage()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("error", "traceback"),
    [(TrainingError("Too few interactions"), False), (RuntimeError("a bug"), True)],
    ids=["expected", "unexpected"],
)
def test_a_failed_refit_logs_a_traceback_only_for_an_unexpected_error(
    register, monkeypatch, caplog, error, traceback
):
    evaluated = register()

    def challenger_train(*, since, until):
        raise error

    monkeypatch.setattr(learner, "challenger_train", challenger_train)
    outcome = retraining.RetrainingOutcome(
        report_with(None), Verdict.FAILED, "won", challenger=evaluated
    )
    with caplog.at_level(logging.ERROR):
        retraining.challenger_refit_promote(outcome=outcome, now=timezone.now(), actor="test")

    assert model_version_champion() == evaluated
    [logged] = retraining_logs(caplog)
    assert (logged.exc_info is not None) is traceback
    assert str(error) in logged.getMessage()
