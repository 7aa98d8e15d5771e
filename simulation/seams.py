"""Where the simulator meets the rest of Passerelle: one small function per dependency.

Every call the simulated world makes into the system goes through here, so
that when a part of the system changes (the serving path, the exposure
buffer, the model registry) only this module follows. Each function runs the
same code the production entrances run, in process.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from experiments.assignment import flag_variants_for_users
from experiments.clicks import ClickLink
from experiments.models import Surface
from experiments.report import experiment_report_build
from experiments.services import click_record as recommendation_click_record
from experiments.services import exposures_log_many
from experiments.tasks import booking_attributions_update, exposures_drain_buffer
from marketplace.models import User, UserBucketFlag
from metrics.services import metrics_compute_nightly
from newsletter.models import Send
from newsletter.services import campaign_get_or_create_for_week
from newsletter.services import click_record as newsletter_click_record
from newsletter.tasks import campaign_weekly_start_task
from newsletter.tokens import click_token_make
from recommendations.lists import RecommendationList, RecommendationRequest
from recommendations.precompute import recommendation_lists_precompute
from recommendations.ranking.serving import ml_model_forget
from recommendations.registry.learner import challenger_train
from recommendations.registry.retraining import model_retrain_if_degraded
from recommendations.registry.selectors import model_version_champion_id
from recommendations.registry.services import model_version_promote, model_version_register
from recommendations.registry.tasks import MONITORING_ACTOR
from recommendations.serving import recommendation_lists_serve, strategy_for_variant

# The learned ranker's strategy: when a variant uses it, a first model is trained
# on the seeded history and made champion before day 0, as an operator would.
LEARNED_STRATEGY = "ml"
SIMULATION_ACTOR = "simulation"


def canary_flag_ensure(*, treatment_percent: float) -> UserBucketFlag:
    """The homepage canary of the simulated site, rolled out to `treatment_percent` of users."""
    flag, _ = UserBucketFlag.objects.update_or_create(
        name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, defaults={"percent": treatment_percent}
    )
    return flag


def variant_assign(*, flag: UserBucketFlag, user_ids: list[int]) -> dict[int, str]:
    """Each user's variant, as the homepage assigns it."""
    return flag_variants_for_users(flag=flag, users=[User(pk=user_id) for user_id in user_ids])


@contextmanager
def variant_strategies_use(*, strategies: Mapping[str, str]) -> Iterator[None]:
    """Serve each variant with the strategy the run names (the experiment's configuration)."""
    with override_settings(RECOMMENDATION_VARIANT_STRATEGIES=dict(strategies)):
        yield


def homepage_lists_precompute(*, variants: Mapping[int, str]) -> None:
    """The nightly precomputation, for the users of `variants`, each with their variant's
    strategy (production's run covers every user; the day's visitors are enough here)."""
    for variant in sorted(set(variants.values())):
        recommendation_lists_precompute(
            user_ids=[user_id for user_id, v in variants.items() if v == variant],
            strategy=strategy_for_variant(variant),
        )


def homepage_lists_serve(*, variants: Mapping[int, str]) -> dict[int, RecommendationList]:
    """The homepage's list for each signed-in user of `variants` (user id → variant), through
    the serving selector's batch form, as the pages of an evening's visitors."""
    served = {}
    for variant in sorted(set(variants.values())):
        user_ids = [user_id for user_id, v in variants.items() if v == variant]
        lists = recommendation_lists_serve(
            requests=[
                RecommendationRequest(
                    user_id=user_id, limit=settings.HOMEPAGE_RECOMMENDATIONS_SIZE, variant=variant
                )
                for user_id in user_ids
            ],
            strategy=strategy_for_variant(variant),
        )
        served.update(zip(user_ids, lists, strict=True))
    return served


def homepage_lists_show(*, recommendation_lists: Iterable[RecommendationList]) -> None:
    """The homepages show their lists: their exposures are logged as the page logs them
    (in one write for the evening)."""
    exposures_log_many(recommendation_lists=list(recommendation_lists), surface=Surface.HOMEPAGE)


def homepage_click(*, recommendation_list: RecommendationList, offer_id: int) -> None:
    """The shopper follows the tracked link of `offer_id` on their homepage list."""
    recommendation_click_record(
        link=ClickLink(
            request_id=recommendation_list.request_id,
            position=recommendation_list.offer_ids.index(offer_id) + 1,
            offer_id=offer_id,
            user_id=recommendation_list.user_id,
        )
    )


def newsletter_weekly_send() -> dict[int, tuple[int, list[int]]]:
    """Send this week's newsletter as the weekly schedule does; for each recipient,
    their send's id and the offers it showed."""
    campaign_weekly_start_task()
    campaign = campaign_get_or_create_for_week(day=timezone.localdate())
    return {
        user_id: (send_id, offer_ids)
        for send_id, user_id, offer_ids in Send.objects.filter(
            campaign=campaign, status=Send.Status.SENT
        ).values_list("pk", "user_id", "offer_ids")
    }


def newsletter_click(*, send_id: int, offer_id: int) -> None:
    """The reader follows the email's tracked link of `offer_id`."""
    newsletter_click_record(token=click_token_make(send_id=send_id, offer_id=offer_id))


def scheduled_work_run(*, today: date) -> list[str]:
    """The night's scheduled tasks, in their order; returns their names.

    The exposure drain has nothing to move in a simulation (no buffer: the
    exposures are written directly), but it runs as beat would run it.
    """
    exposures_drain_buffer()
    booking_attributions_update()
    with transaction.atomic():
        metrics_compute_nightly(today=today)
    return ["exposures_drain", "booking_attributions", "metrics"]


def experiment_comparison(*, date_from: date, date_to: date) -> dict:
    """The experiment report's verdict on the canary over the period: its north-star
    comparison (intervals included), sample-ratio check and verdict, as plain values."""
    report = experiment_report_build(
        flag_name=settings.HOMEPAGE_RECOMMENDATIONS_FLAG, date_from=date_from, date_to=date_to
    ).as_dict()
    comparison = report["comparison"]
    return {
        "date_from": report["date_from"],
        "date_to": report["date_to"],
        "users_assigned": report["users_assigned"],
        "north_star": next(m for m in comparison["metrics"] if m["key"] == "north_star"),
        "sample_ratio": comparison["sample_ratio"],
        "verdict": comparison["verdict"],
    }


def model_bootstrap(*, strategies: Mapping[str, str], since: datetime) -> str | None:
    """Train the first model on the bookings made since `since` and make it champion, when
    a variant serves the learned ranker; returns its version id."""
    if LEARNED_STRATEGY not in strategies.values():
        return None
    trained = challenger_train(since=since, until=timezone.now())
    version = model_version_register(
        artifact_name=trained.artifact_name, metadata_name=trained.metadata_name
    )
    model_version_promote(
        version_id=version.version_id, actor=SIMULATION_ACTOR, reason="first model of the run"
    )
    ml_model_forget()
    return version.version_id


def serving_model_version() -> str | None:
    """The champion of the model registry: the version the ml strategy serves."""
    return model_version_champion_id()


def learned_snapshot_refresh() -> None:
    """The night's re-read of the bookings the served ranker scores from, without monitoring
    or retraining (in production every RECOMMENDATION_ML_REFRESH_SECONDS; a simulated day
    passes in seconds)."""
    ml_model_forget()


def retraining_decision(*, strategies: Mapping[str, str]) -> dict | None:
    """The night's monitoring and retraining run, as its daily task runs it, when a variant
    serves the learned ranker; its decision as plain values."""
    if LEARNED_STRATEGY not in strategies.values():
        return None
    outcome = model_retrain_if_degraded(now=timezone.now(), actor=MONITORING_ACTOR)
    learned_snapshot_refresh()
    return {
        "verdict": str(outcome.verdict),
        "reason": outcome.reason,
        "fired": outcome.report.fired,
        "champion": outcome.champion.version_id if outcome.champion else None,
        "challenger": outcome.challenger.version_id if outcome.challenger else None,
    }
