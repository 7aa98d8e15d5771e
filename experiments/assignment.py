"""Canary assignment: which variant of a flag's experiment a user or visitor is in (ADR 0017).

The one mapping from (flag, user) to variant: the homepage, the API, the
newsletter's exposure rows, the experiment report's "users assigned" and the
simulator all ask here, so they can never disagree. A signed-in user's variant
depends only on the flag's settings and a hash of the flag name and the user id
(`UserBucketFlag.user_bucket`), so it is the same on every device and in every
process. Anonymous visitors follow waffle's cookie.

Waffle's settings that depend on the request itself (testing mode, a language
list naming some of the site's languages) are applied by waffle to anonymous
visitors only: a signed-in user's variant cannot follow them and stay the same
on every surface, the newsletter included (`FlagAudience.request_settings`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import waffle
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from waffle import get_waffle_flag_model
from waffle.models import CACHE_EMPTY
from waffle.utils import get_cache, get_setting, keyfmt

from marketplace.models import User, UserBucketFlag

CONTROL = "control"
TREATMENT = "treatment"
VARIANTS = (CONTROL, TREATMENT)


def variant_name(active: bool) -> str:
    return TREATMENT if active else CONTROL


def site_languages() -> frozenset[str]:
    """The language codes a request can be in: LocaleMiddleware gives every request, on
    the site and the API alike, one of `settings.LANGUAGES`."""
    return frozenset(code for code, _name in settings.LANGUAGES)


def flag_languages(flag: UserBucketFlag) -> frozenset[str]:
    """The site's languages that the flag's `languages` names, read as waffle reads it
    (comma-separated, each name stripped, compared exactly with the request's code)."""
    if not flag.languages:  # the usual flag: nothing to split on every request
        return frozenset()
    return frozenset(name.strip() for name in flag.languages.split(",")) & site_languages()


@dataclass(frozen=True)
class FlagAudience:
    """A flag's settings read once (its listed users and groups' members included), so
    that assigning many users costs no query per user."""

    flag: UserBucketFlag
    listed_user_ids: frozenset[int]
    group_member_ids: frozenset[int]
    # The site's languages the flag names (`flag_languages`), and whether that is all of
    # them: waffle then activates the flag on every request, as "everyone" would.
    languages: frozenset[str] = frozenset()
    every_language: bool = False

    @classmethod
    def of(
        cls,
        flag: UserBucketFlag,
        *,
        among: Iterable[int] | None = None,
        cached_ids: tuple[set, set] | None = None,
    ) -> "FlagAudience":
        """The flag's audience; with `among` (user ids), group members are looked up among
        those users only, so that one request does not read every member of a group.
        `cached_ids` are the flag's (user ids, group ids) when already read from waffle's
        cache (`flag_audience_read`)."""
        if flag.pk is None:
            return cls(flag=flag, listed_user_ids=frozenset(), group_member_ids=frozenset())
        # Waffle's own cached reads of the flag's users and groups.
        user_ids, group_ids = (
            (flag._get_user_ids(), flag._get_group_ids()) if cached_ids is None else cached_ids
        )
        members = []
        # The usual flag names no group: building the query anyway cost every request
        # (API, homepage) a few dozen microseconds.
        if group_ids:
            members = User.objects.filter(groups__pk__in=group_ids)
            if among is not None:
                members = members.filter(pk__in=among)
            members = members.values_list("pk", flat=True)
        languages = flag_languages(flag)
        return cls(
            flag=flag,
            listed_user_ids=frozenset(user_ids),
            group_member_ids=frozenset(members),
            languages=languages,
            every_language=bool(languages) and languages == site_languages(),
        )

    @property
    def request_settings(self) -> tuple[str, ...]:
        """The flag's settings that waffle applies request by request, which a user's
        variant does not follow: "testing" (a test query parameter, header or cookie
        chooses the variant) and "languages" when the list names some of the site's
        languages but not all (the language each request is in decides). Waffle applies
        them to anonymous visitors; a signed-in user keeps one variant everywhere, so
        that the homepage, the API, the newsletter and the report agree (ADR 0017)."""
        flag = self.flag
        if flag.pk is None or flag.everyone is not None:  # "everyone" overrides both
            return ()
        some_languages = bool(self.languages) and not self.every_language
        return tuple(
            name
            for name, applies in (("testing", flag.testing), ("languages", some_languages))
            if applies
        )

    def variant(self, user: User) -> str:
        """The flag's explicit settings first (everyone, a language list naming every
        site language, then signed-in users, staff, superusers, listed users and groups,
        as waffle orders them), then the percentage by hashed bucket. A flag that does not
        exist puts everyone in control. `request_settings` are not followed."""
        flag = self.flag
        if flag.pk is None:
            return CONTROL
        # Checked first: waffle's user flag lets other settings win over "everyone: no".
        if flag.everyone is not None:
            return variant_name(flag.everyone)
        if self.every_language:
            return TREATMENT
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


def flag_cache_keys(flag_name: str) -> tuple[str, str, str]:
    """Where waffle caches a flag, its users' ids and its groups' ids (`waffle.models`)."""
    return (
        get_waffle_flag_model()._cache_key(flag_name),
        keyfmt(get_setting("FLAG_USERS_CACHE_KEY"), flag_name),
        keyfmt(get_setting("FLAG_GROUPS_CACHE_KEY"), flag_name),
    )


def flag_audience_read(flag_name: str, *, among: Iterable[int] | None = None) -> FlagAudience:
    """`FlagAudience.of(flag_get(flag_name), among=among)`, its three cache entries read in
    one round trip.

    Waffle reads the flag, its users and its groups with one cache `get` each: three
    Redis round trips on every API call and homepage view (ADR 0017). When all three
    are cached (waffle caches them on first read and drops them when the flag is
    saved), they are read together with the values waffle would have returned;
    otherwise waffle's own reads run, and fill the cache for the next request.
    """
    keys = flag_cache_keys(flag_name)
    cached = get_cache().get_many(keys)
    flag = cached.get(keys[0])
    if flag == CACHE_EMPTY:  # no such flag: everyone in control
        return FlagAudience.of(get_waffle_flag_model()(name=flag_name))
    ids = [cached.get(key) for key in keys[1:]]
    # Waffle answers from its cache only a truthy value: anything else is read again.
    if not flag or not all(ids):
        return FlagAudience.of(flag_get(flag_name), among=among)
    user_ids, group_ids = (set() if value == CACHE_EMPTY else value for value in ids)
    return FlagAudience.of(flag, among=among, cached_ids=(user_ids, group_ids))


def flag_variants_for_users(*, flag: UserBucketFlag, users: Iterable[User]) -> dict[int, str]:
    """Each user's variant (by id), the flag's audience read once."""
    audience = FlagAudience.of(flag)
    return {user.pk: audience.variant(user) for user in users}


def variant_for_user(*, flag_name: str, user: User) -> str:
    return flag_audience_read(flag_name, among=[user.pk]).variant(user)


def variants_for_users(*, flag_name: str, users: Iterable[User]) -> dict[int, str]:
    """Each user's variant (by id), the flag read once (a newsletter chunk)."""
    return flag_variants_for_users(flag=flag_get(flag_name), users=users)


def shopper_ids_by_variant(
    *, audience: FlagAudience, shoppers: Iterable[User]
) -> dict[str, set[int]]:
    """The ids of `shoppers` in each variant: the report's users assigned. Each shopper
    carries what the flag reads of them (`assignable_users`): a superuser is in the
    variant the flag serves them (treatment while the flag's "superusers" is on, as
    waffle serves them), not in their hash bucket's."""
    groups: dict[str, set[int]] = {variant: set() for variant in VARIANTS}
    for shopper in shoppers:
        groups[audience.variant(shopper)].add(shopper.pk)
    return groups


def variant_for_request(*, flag_name: str, request: HttpRequest, user: User | AnonymousUser) -> str:
    """The variant of whoever makes `request`: by user id when signed in (`user`, which the
    API authenticates itself), by waffle's cookie otherwise (set on the response by
    waffle's middleware)."""
    if user.is_authenticated:
        return variant_for_user(flag_name=flag_name, user=user)
    return variant_name(bool(waffle.flag_is_active(request, flag_name)))
