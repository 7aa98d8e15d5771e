"""Canary assignment: which variant of a flag's experiment a user or visitor is in (ADR 0017).

The one mapping from (flag, user) to variant: the homepage, the API, the
newsletter's exposure rows, the experiment report's "users assigned" and the
simulator all ask here, so they can never disagree. A signed-in user's variant
depends only on the flag's settings and a hash of the flag name and the user id
(`UserBucketFlag.user_bucket`), so it is the same on every device and in every
process. Anonymous visitors follow waffle's cookie.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import waffle
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from waffle import get_waffle_flag_model

from marketplace.models import User, UserBucketFlag

CONTROL = "control"
TREATMENT = "treatment"
VARIANTS = (CONTROL, TREATMENT)


def variant_name(active: bool) -> str:
    return TREATMENT if active else CONTROL


@dataclass(frozen=True)
class FlagAudience:
    """A flag's settings read once (its listed users and groups' members included), so
    that assigning many users costs no query per user."""

    flag: UserBucketFlag
    listed_user_ids: frozenset[int]
    group_member_ids: frozenset[int]

    @classmethod
    def of(cls, flag: UserBucketFlag, *, among: Iterable[int] | None = None) -> "FlagAudience":
        """The flag's audience; with `among` (user ids), group members are looked up among
        those users only, so that one request does not read every member of a group."""
        if flag.pk is None:
            return cls(flag=flag, listed_user_ids=frozenset(), group_member_ids=frozenset())
        # Waffle's own cached reads of the flag's users and groups.
        group_ids = flag._get_group_ids()
        members = []
        # The usual flag names no group: building the query anyway cost every request
        # (API, homepage) a few dozen microseconds.
        if group_ids:
            members = User.objects.filter(groups__pk__in=group_ids)
            if among is not None:
                members = members.filter(pk__in=among)
            members = members.values_list("pk", flat=True)
        return cls(
            flag=flag,
            listed_user_ids=frozenset(flag._get_user_ids()),
            group_member_ids=frozenset(members),
        )

    def variant(self, user: User) -> str:
        """The flag's explicit settings first (everyone, then signed-in users, staff,
        superusers, listed users and groups, as waffle orders them), then the percentage
        by hashed bucket. A flag that does not exist puts everyone in control."""
        flag = self.flag
        if flag.pk is None:
            return CONTROL
        # Checked first: waffle's user flag lets other settings win over "everyone: no".
        if flag.everyone is not None:
            return variant_name(flag.everyone)
        named = (
            (flag.authenticated and user.is_authenticated)
            or (flag.staff and user.is_staff)
            or (flag.superusers and user.is_superuser)
            or user.pk in self.listed_user_ids
            or user.pk in self.group_member_ids
        )
        if named:
            return TREATMENT
        return variant_name(bool(flag.percent) and flag.user_bucket(user.pk) < flag.percent)


def flag_get(flag_name: str) -> UserBucketFlag:
    """The flag as waffle caches it (unsaved, hence all-control, when it does not exist)."""
    return get_waffle_flag_model().get(flag_name)


def flag_variant_for_user(*, flag: UserBucketFlag, user: User) -> str:
    return FlagAudience.of(flag, among=[user.pk]).variant(user)


def flag_variants_for_users(*, flag: UserBucketFlag, users: Iterable[User]) -> dict[int, str]:
    """Each user's variant (by id), the flag's audience read once."""
    audience = FlagAudience.of(flag)
    return {user.pk: audience.variant(user) for user in users}


def variant_for_user(*, flag_name: str, user: User) -> str:
    return flag_variant_for_user(flag=flag_get(flag_name), user=user)


def variants_for_users(*, flag_name: str, users: Iterable[User]) -> dict[int, str]:
    """Each user's variant (by id), the flag read once (a newsletter chunk)."""
    return flag_variants_for_users(flag=flag_get(flag_name), users=users)


def shopper_ids_by_variant(*, flag: UserBucketFlag, user_ids: Iterable[int]) -> dict[str, set[int]]:
    """The ids of shoppers (neither staff nor superusers) in each variant: the report's
    users assigned, without loading 100,000 users."""
    groups: dict[str, set[int]] = {variant: set() for variant in VARIANTS}
    variants = flag_variants_for_users(flag=flag, users=(User(pk=pk) for pk in user_ids))
    for user_id, variant in variants.items():
        groups[variant].add(user_id)
    return groups


def variant_for_request(*, flag_name: str, request: HttpRequest, user: User | AnonymousUser) -> str:
    """The variant of whoever makes `request`: by user id when signed in (`user`, which the
    API authenticates itself), by waffle's cookie otherwise (set on the response by
    waffle's middleware)."""
    if user.is_authenticated:
        return variant_for_user(flag_name=flag_name, user=user)
    return variant_name(bool(waffle.flag_is_active(request, flag_name)))
