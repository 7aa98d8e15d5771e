"""The variant of a signed-in user for a canary flag, from the flag's own hash.

`UserBucketFlag.user_bucket` decides who sees the canary; the report counts
"users assigned" with the very same function, so the two can never disagree.
The serving side's experiments/assignment.py (issue 8) may define the same
mapping; the two are to be folded into one at merge.
"""

from collections.abc import Iterable

from django.conf import settings

from marketplace.models import UserBucketFlag


def variant_of(*, flag: UserBucketFlag, user_id: int) -> str:
    """ "treatment" when the user's bucket is under the flag's percentage, else "control"."""
    percent = float(flag.percent or 0)
    if flag.user_bucket(user_id) < percent:
        return settings.EXPERIMENT_TREATMENT
    return settings.EXPERIMENT_CONTROL


def user_ids_by_variant(*, flag: UserBucketFlag, user_ids: Iterable[int]) -> dict[str, set[int]]:
    groups: dict[str, set[int]] = {
        settings.EXPERIMENT_CONTROL: set(),
        settings.EXPERIMENT_TREATMENT: set(),
    }
    for user_id in user_ids:
        groups[variant_of(flag=flag, user_id=user_id)].add(user_id)
    return groups
