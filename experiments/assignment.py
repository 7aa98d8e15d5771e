"""Canary assignment: which variant of a flag's experiment a user or visitor is in (ADR 0017).

A signed-in user's variant depends only on the flag's settings and a hash of
the flag name and the user id (`UserBucketFlag.user_bucket`), so it is the same
on every device, in every process, on the homepage, in the API and in the
newsletter. Anonymous visitors follow waffle's cookie.
"""

from collections.abc import Iterable

import waffle
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from waffle import get_waffle_flag_model

from marketplace.models import User, UserBucketFlag

CONTROL = "control"
TREATMENT = "treatment"


def variant_name(active: bool) -> str:
    return TREATMENT if active else CONTROL


def flag_variant_for_user(*, flag: UserBucketFlag, user: User) -> str:
    """The variant of `user` under `flag` as loaded: the flag's explicit settings (everyone,
    staff, listed users and groups) first, then the percentage by hashed bucket."""
    if flag.pk is None:
        return CONTROL
    active = flag.is_active_for_user(user)
    if active is None:
        active = bool(flag.percent) and flag.user_bucket(user.pk) < flag.percent
    return variant_name(bool(active))


def variant_for_user(*, flag_name: str, user: User) -> str:
    return flag_variant_for_user(flag=get_waffle_flag_model().get(flag_name), user=user)


def variants_for_users(*, flag_name: str, users: Iterable[User]) -> dict[int, str]:
    """Each user's variant (by id), the flag read once (a newsletter chunk, a report)."""
    flag = get_waffle_flag_model().get(flag_name)
    return {user.pk: flag_variant_for_user(flag=flag, user=user) for user in users}


def variant_for_request(*, flag_name: str, request: HttpRequest, user: User | AnonymousUser) -> str:
    """The variant of whoever makes `request`: by user id when signed in (`user`, which the
    API authenticates itself), by waffle's cookie otherwise (set on the response by
    waffle's middleware)."""
    if user.is_authenticated:
        return variant_for_user(flag_name=flag_name, user=user)
    return variant_name(bool(waffle.flag_is_active(request, flag_name)))
