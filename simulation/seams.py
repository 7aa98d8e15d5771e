"""Where the simulator meets the rest of Passerelle: one small function per dependency.

Every call the simulated world makes into the system goes through here, so
that when a part of the system changes (the serving path, the exposure
buffer, the model registry) only this module follows. Each function runs the
same code the production entrances run, in process.
"""

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone

from experiments.clicks import ClickLink
from experiments.models import Surface
from experiments.report import experiment_report_build
from experiments.services import click_record as recommendation_click_record
from experiments.services import exposures_log
from experiments.tasks import booking_attributions_update, exposures_drain_buffer
from experiments.variants import variant_of
from marketplace.models import UserBucketFlag
from metrics.services import metrics_compute_nightly
from newsletter.models import Send
from newsletter.services import campaign_get_or_create_for_week
from newsletter.services import click_record as newsletter_click_record
from newsletter.tasks import campaign_weekly_start_task
from newsletter.tokens import click_token_make
from recommendations.lists import RecommendationList, RecommendationRequest
from recommendations.strategies import recommendation_lists_compute

# The homepage canary: users are bucketed by id, as real users are (UserBucketFlag).
CANARY_FLAG = "homepage_canary"
HOMEPAGE_LIST_LENGTH = 10


def canary_flag_ensure(*, treatment_percent: float) -> UserBucketFlag:
    """The canary flag of the simulated site, rolled out to `treatment_percent` of users."""
    flag, _ = UserBucketFlag.objects.update_or_create(
        name=CANARY_FLAG, defaults={"percent": treatment_percent}
    )
    return flag


def variant_assign(*, flag: UserBucketFlag, user_ids: list[int]) -> dict[int, str]:
    """Each user's variant, as the experiment report splits them."""
    return {user_id: variant_of(flag=flag, user_id=user_id) for user_id in user_ids}


def homepage_lists_precompute(
    *, variants: Mapping[int, str], strategies: Mapping[str, str]
) -> dict[int, RecommendationList]:
    """The nightly batch: each user's homepage list from their variant's strategy."""
    lists: dict[int, RecommendationList] = {}
    now = timezone.now()
    for variant, strategy in strategies.items():
        requests = [
            RecommendationRequest(
                user_id=user_id, limit=HOMEPAGE_LIST_LENGTH, now=now, variant=variant
            )
            for user_id, assigned in variants.items()
            if assigned == variant
        ]
        for answer in recommendation_lists_compute(requests=requests, strategy=strategy):
            lists[answer.user_id] = answer
    return lists


def homepage_list_show(*, recommendation_list: RecommendationList) -> None:
    """The homepage shows a list: its exposures are logged as the page logs them."""
    exposures_log(recommendation_list=recommendation_list, surface=Surface.HOMEPAGE)


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
        flag_name=CANARY_FLAG, date_from=date_from, date_to=date_to
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


def serving_model_version() -> str | None:
    """The version of the learned model the site serves (None: no model registry yet)."""
    return None


def retraining_decision(*, today: date) -> dict | None:
    """The monitoring and retraining task's decision of the night (None: not available yet)."""
    return None
