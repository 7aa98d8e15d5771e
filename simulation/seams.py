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

from marketplace.models import UserBucketFlag
from metrics.services import metrics_compute_nightly
from newsletter.models import Send
from newsletter.services import campaign_get_or_create_for_week
from newsletter.tasks import campaign_weekly_start_task
from recommendations.lists import RecommendationRequest
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
    """Each user's variant, "treatment" inside the canary and "control" outside."""
    return {
        user_id: "treatment" if flag.user_bucket(user_id) < flag.percent else "control"
        for user_id in user_ids
    }


def homepage_lists_precompute(
    *, variants: Mapping[int, str], strategies: Mapping[str, str]
) -> dict[int, list[int]]:
    """The nightly batch: each user's homepage list from their variant's strategy, by offer id."""
    lists: dict[int, list[int]] = {}
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
            lists[answer.user_id] = answer.offer_ids
    return lists


def newsletter_weekly_send() -> dict[int, list[int]]:
    """Send this week's newsletter as the weekly schedule does; the offers each recipient got."""
    campaign_weekly_start_task()
    campaign = campaign_get_or_create_for_week(day=timezone.localdate())
    return dict(
        Send.objects.filter(campaign=campaign, status=Send.Status.SENT).values_list(
            "user_id", "offer_ids"
        )
    )


def scheduled_work_run(*, today: date) -> list[str]:
    """The nightly tasks, in their order; returns what ran."""
    with transaction.atomic():
        metrics_compute_nightly(today=today)
    return ["metrics"]


def serving_model_version() -> str | None:
    """The version of the learned model the site serves (None: no model registry yet)."""
    return None


def retraining_decision(*, today: date) -> dict | None:
    """The monitoring and retraining task's decision of the night (None: not available yet)."""
    return None
