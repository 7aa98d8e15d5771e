"""Canary assignment: deterministic per user, at the configured share, cookie-based for visitors."""

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from scipy.stats import binom
from waffle import get_waffle_flag_model
from waffle.utils import get_cache

from experiments.assignment import (
    CONTROL,
    TREATMENT,
    flag_audience_read,
    flag_get,
    flag_variant_for_user,
    variant_for_request,
    variant_for_user,
    variants_for_users,
)
from marketplace.models import User
from tests.canary import FLAG, request_in, waffle_serves
from tests.canary import homepage_flag_set as set_percent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_share_of_10000_users_in_treatment_lies_within_the_binomial_interval():
    set_percent(20)
    users = [User(pk=user_id) for user_id in range(1, 10_001)]

    treated = sum(
        variant == TREATMENT for variant in variants_for_users(flag_name=FLAG, users=users).values()
    )

    low, high = binom.interval(0.999, 10_000, 0.20)
    assert low <= treated <= high


def test_a_users_variant_is_the_same_on_every_request_and_client():
    set_percent(50)
    users = UserFactory.create_batch(20)
    factory = RequestFactory()

    for user in users:
        variants = {
            variant_for_request(
                flag_name=FLAG, request=factory.get("/", HTTP_USER_AGENT=agent), user=user
            )
            for agent in ("phone", "laptop", "tablet")
        }
        variants.add(variant_for_user(flag_name=FLAG, user=user))
        assert len(variants) == 1
    # Half the users: both variants occur, so the test could see a change.
    assert {variant_for_user(flag_name=FLAG, user=user) for user in users} == {CONTROL, TREATMENT}


def test_the_flags_explicit_settings_override_the_percentage():
    set_percent(0, everyone=True)
    assert variant_for_user(flag_name=FLAG, user=UserFactory()) == TREATMENT
    set_percent(99.9, everyone=False)
    assert variant_for_user(flag_name=FLAG, user=UserFactory()) == CONTROL


def test_a_missing_flag_puts_everyone_in_control():
    assert variant_for_user(flag_name="no_such_flag", user=UserFactory()) == CONTROL


def test_anonymous_visitors_follow_the_waffle_cookie():
    from django.contrib.auth.models import AnonymousUser

    set_percent(50)
    factory = RequestFactory()
    in_treatment, in_control = factory.get("/"), factory.get("/")
    in_treatment.COOKIES["dwf_homepage_recommendations"] = "True"
    in_control.COOKIES["dwf_homepage_recommendations"] = "False"
    # As after Django's authentication middleware.
    in_treatment.user = in_control.user = AnonymousUser()

    assert (
        variant_for_request(flag_name=FLAG, request=in_treatment, user=AnonymousUser()) == TREATMENT
    )
    assert variant_for_request(flag_name=FLAG, request=in_control, user=AnonymousUser()) == CONTROL


@pytest.mark.parametrize("percent", [0, 50])
@pytest.mark.parametrize(
    ("languages", "every_request"),
    [("fr,en", True), (" en , fr ", True), ("fr,en,de", True), ("de", False), ("", False)],
)
def test_a_language_list_every_request_or_no_request_matches_is_followed_as_waffle_does(
    languages, every_request, percent
):
    set_percent(percent, languages=languages)

    for user in UserFactory.create_batch(8):
        served = {
            waffle_serves(flag_get(FLAG), request_in(language, user))
            for language in ("fr", "en", "de")
        }
        assert served == {variant_for_user(flag_name=FLAG, user=user)}
        if every_request:
            assert served == {TREATMENT}
    assert flag_audience_read(FLAG).request_settings == ()


@pytest.mark.parametrize(
    ("fields", "setting"),
    [
        ({"languages": "fr"}, "languages"),
        ({"languages": "de, en"}, "languages"),
        ({"testing": True}, "testing"),
        ({"testing": True, "languages": "fr"}, "both"),
    ],
)
def test_settings_waffle_applies_per_request_are_named_and_leave_a_users_variant_alone(
    fields, setting
):
    set_percent(0, **fields)
    user = UserFactory()
    requests = [
        request_in("fr", user),
        request_in("en", user),
        request_in("en", user, dwft_homepage_recommendations="1"),
    ]

    # Waffle's answer depends on the request; the user's variant does not.
    assert {waffle_serves(flag_get(FLAG), request) for request in requests} == {CONTROL, TREATMENT}
    assert {
        variant_for_request(flag_name=FLAG, request=request, user=user) for request in requests
    } == {CONTROL}
    named = ("testing", "languages") if setting == "both" else (setting,)
    assert flag_audience_read(FLAG).request_settings == named
    set_percent(0, everyone=False)  # "everyone" overrides them, in waffle as here
    assert flag_audience_read(FLAG).request_settings == ()


def test_a_flags_group_members_are_in_treatment_one_by_one_and_in_bulk():
    set_percent(0)
    group = Group.objects.create(name="Testeurs")
    flag = get_waffle_flag_model().objects.get(name=FLAG)
    flag.groups.add(group)
    flag.flush()
    member, other = UserFactory(), UserFactory()
    member.groups.add(group)

    one_by_one = {user.pk: variant_for_user(flag_name=FLAG, user=user) for user in (member, other)}

    assert one_by_one == {member.pk: TREATMENT, other.pk: CONTROL}
    assert variants_for_users(flag_name=FLAG, users=[member, other]) == one_by_one


def cache_reads_counted(monkeypatch) -> list[str]:
    """The names of waffle's cache reads from now on."""
    cache, reads = get_cache(), []
    for name in ("get", "get_many"):
        read = getattr(cache, name)

        def counted(*args, _read=read, _name=name, **kwargs):
            reads.append(_name)
            return _read(*args, **kwargs)

        monkeypatch.setattr(cache, name, counted)
    return reads


def test_a_warm_variant_read_is_one_cache_round_trip_and_no_query(
    monkeypatch, django_assert_num_queries
):
    set_percent(50)
    user = UserFactory()
    first = variant_for_user(flag_name=FLAG, user=user)  # waffle fills its cache
    reads = cache_reads_counted(monkeypatch)

    with django_assert_num_queries(0):
        assert variant_for_user(flag_name=FLAG, user=user) == first

    assert reads == ["get_many"]


@pytest.mark.parametrize("setting", ["percent", "listed", "group", "everyone off", "no flag"])
def test_the_one_trip_read_answers_what_waffles_own_reads_answer(setting):
    flag_name = "no_such_flag" if setting == "no flag" else FLAG
    set_percent(0 if setting in ("listed", "group") else 50)
    users = UserFactory.create_batch(12)
    flag = get_waffle_flag_model().objects.get(name=FLAG)
    if setting == "listed":
        flag.users.add(users[0])
    if setting == "group":
        group = Group.objects.create(name="Testeurs")
        flag.groups.add(group)
        users[1].groups.add(group)
    if setting == "everyone off":
        flag.everyone = False
        flag.save()
    flag.flush()

    for user in users:
        cold = variant_for_user(flag_name=flag_name, user=user)
        warm = variant_for_user(flag_name=flag_name, user=user)
        waffles = flag_variant_for_user(flag=flag_get(flag_name), user=user)
        assert cold == warm == waffles
    if setting in ("listed", "group"):
        assert variant_for_user(flag_name=flag_name, user=users[int(setting == "group")]) == (
            TREATMENT
        )
