"""The experiment report from the database: who is assigned and exposed, the per-user
figures in the north-star window, and the command's text, JSON and errors."""

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone

from experiments.assignment import CONTROL, TREATMENT, flag_variant_for_user
from experiments.models import BookingAttribution, Exposure, RecommendationClick, Surface
from experiments.report import ExperimentReportError, experiment_report_build
from experiments.selectors import exposed_user_figures, period_bounds
from marketplace.models import UserBucketFlag
from tests.canary import request_in, waffle_serves
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FLAG = "homepage_recommendations"


@pytest.fixture
def flag():
    return UserBucketFlag.objects.update_or_create(name=FLAG, defaults={"percent": 50})[0]


def expose(user, offer, *, at, request_id: str, position: int = 1) -> Exposure:
    return Exposure.objects.create(
        request_id=request_id,
        position=position,
        offer=offer,
        user=user,
        surface=Surface.HOMEPAGE,
        strategy="geo",
        shown_at=at,
    )


def test_per_user_figures_count_bookings_in_the_window_from_first_exposure(settings):
    settings.EXPERIMENT_NORTH_STAR_WINDOW_DAYS = 30
    user = UserFactory()
    cinema = OfferFactory(category=CategoryFactory(slug="cinema"))
    concert = OfferFactory(category=CategoryFactory(slug="live-music"))
    late = OfferFactory(category=CategoryFactory(slug="books"))
    first = timezone.now() - timedelta(days=40)
    expose(user, cinema, at=first, request_id="a", position=1)
    expose(user, concert, at=first, request_id="a", position=2)
    expose(user, concert, at=first + timedelta(days=3), request_id="b")
    RecommendationClick.objects.create(
        request_id="a", position=2, offer=concert, user=user, clicked_at=first
    )
    BookingFactory(user=user, offer=OfferFactory(), created_at=first - timedelta(days=1))
    BookingFactory(user=user, offer=cinema, created_at=first + timedelta(days=2))
    attributed = BookingFactory(user=user, offer=concert, created_at=first + timedelta(days=29))
    BookingFactory(user=user, offer=late, created_at=first + timedelta(days=31))
    BookingAttribution.objects.create(
        booking=attributed,
        click=RecommendationClick.objects.get(),
        surface=Surface.HOMEPAGE,
        strategy="geo",
    )
    start, end = period_bounds(
        date_from=timezone.localdate(first) - timedelta(days=1), date_to=timezone.localdate()
    )

    figures = exposed_user_figures(start=start, end=end)[user.pk]

    assert figures.first_exposure == first
    assert (figures.impressions, figures.clicks) == (3, 1)
    assert (figures.bookings, figures.attributed_bookings, figures.categories_booked) == (2, 1, 2)


def test_the_report_splits_users_by_the_flags_hash_and_counts_the_exposed(flag):
    users = UserFactory.create_batch(40)
    UserFactory(is_staff=True)  # staff are not part of the experiment
    offer = OfferFactory()
    now = timezone.now()
    for number, user in enumerate(users[:30]):
        expose(user, offer, at=now - timedelta(hours=1), request_id=f"r{number}")

    report = experiment_report_build(flag_name=FLAG, date_from=timezone.localdate() - timedelta(1))

    treated = [user for user in users if flag_variant_for_user(flag=flag, user=user) == "treatment"]
    exposed_treated = [user for user in users[:30] if user in treated]
    assert report.users_assigned == {"control": 40 - len(treated), "treatment": len(treated)}
    assert report.comparison.sample_ratio.observed == (
        30 - len(exposed_treated),
        len(exposed_treated),
    )
    impressions = report.comparison.metric("impressions")
    assert impressions.totals == {
        "control": 30 - len(exposed_treated),
        "treatment": len(exposed_treated),
    }
    assert report.timeline[-1].day == timezone.localdate()
    assert report.comparison.verdict.startswith("No significant difference yet: about ")


def test_users_forced_into_treatment_move_the_split_the_sample_ratio_check_expects(flag):
    users = UserFactory.create_batch(200)
    forced = Group.objects.create(name="early adopters")
    forced.user_set.add(*users[:60])
    flag.groups.add(forced)
    offer = OfferFactory()
    for number, user in enumerate(users):
        expose(user, offer, at=timezone.now() - timedelta(hours=1), request_id=f"r{number}")

    # The day before too: an hour ago is yesterday between midnight and one in Paris.
    report = experiment_report_build(
        flag_name=FLAG, date_from=timezone.localdate() - timedelta(days=1)
    )

    # About 60 + 70 in treatment against 70 in control: far from the flag's 50 %, yet
    # every user was exposed in the arm they were assigned.
    treated = report.users_assigned["treatment"]
    assert treated >= 100
    assert report.comparison.sample_ratio.observed == (200 - treated, treated)
    assert report.comparison.sample_ratio.expected_shares == (1 - treated / 200, treated / 200)
    assert report.comparison.sample_ratio.mismatch is False
    assert not report.comparison.verdict.startswith("Sample ratio mismatch")


@pytest.mark.parametrize("superusers", [True, False], ids=["superusers-on", "superusers-off"])
def test_a_superuser_who_is_not_staff_is_in_the_arm_waffle_serves_them(flag, superusers):
    flag.percent, flag.superusers = 0, superusers  # by bucket, everyone is in control
    flag.save()
    superuser = UserFactory(is_superuser=True)
    UserFactory()

    report = experiment_report_build(flag_name=FLAG, date_from=timezone.localdate())

    served = waffle_serves(flag, request_in("fr", superuser))
    assert served == (TREATMENT if superusers else CONTROL)
    assert report.users_assigned == {
        CONTROL: 2 - (served == TREATMENT),
        TREATMENT: int(served == TREATMENT),
    }


def test_a_flag_naming_every_site_language_puts_every_shopper_in_treatment_as_waffle_does(
    flag,
):
    flag.percent, flag.languages = 0, "fr,en"
    flag.save()
    users = UserFactory.create_batch(3)

    report = experiment_report_build(flag_name=FLAG, date_from=timezone.localdate())

    served = {
        waffle_serves(flag, request_in(language, user))
        for language in ("fr", "en")
        for user in users
    }
    assert served == {TREATMENT}
    assert report.users_assigned == {CONTROL: 0, TREATMENT: 3}
    assert report.audience_notes == ()


def test_settings_waffle_applies_per_request_are_explained_by_the_report_and_command(flag, capsys):
    flag.languages, flag.testing = "en, de", True
    flag.save()

    report = experiment_report_build(flag_name=FLAG, date_from=timezone.localdate())
    call_command("experiment_report", "--flag", FLAG)

    testing, languages = report.audience_notes
    assert testing.startswith("Testing mode is on: a request can choose its variant")
    assert languages.startswith("The flag's languages name en but not every language")
    assert f"Note: {languages}" in capsys.readouterr().out


def test_an_unknown_flag_or_an_inverted_period_is_a_readable_error(flag):
    with pytest.raises(ExperimentReportError, match="No flag named 'nope'"):
        experiment_report_build(flag_name="nope")
    with pytest.raises(ExperimentReportError, match="starts"):
        experiment_report_build(
            flag_name=FLAG, date_from=date(2026, 5, 2), date_to=date(2026, 5, 1)
        )


def test_the_command_prints_every_metric_and_the_verdict(flag, capsys):
    call_command("experiment_report", "--flag", FLAG)

    output = capsys.readouterr().out
    assert f"Experiment {FLAG}: 50 % in treatment" in output
    assert "Click-through rate (clicks per impression)" in output
    assert "North star: exposed users booking 2+ categories" in output
    assert "Verdict: No verdict yet: both variants need exposed users." in output


def test_the_command_prints_json_with_intervals_and_differences(flag, capsys):
    today = timezone.localdate().isoformat()
    call_command("experiment_report", "--flag", FLAG, "--from", today, "--to", today, "--json")

    data = json.loads(capsys.readouterr().out)
    assert data["flag"] == FLAG
    assert data["date_from"] == data["date_to"] == today
    north_star = next(m for m in data["comparison"]["metrics"] if m["key"] == "north_star")
    assert set(north_star["control"]) == {"value", "low", "high"}
    assert set(north_star["difference"]) == {"value", "low", "high", "p_value", "significant"}
    assert data["comparison"]["sample_ratio"]["mismatch"] is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--flag", "nope"], "No flag named 'nope'."),
        (["--flag", FLAG, "--from", "yesterday"], "Invalid --from 'yesterday'"),
        (["--flag", FLAG, "--from", "2026-05-02", "--to", "2026-05-01"], "starts (2026-05-02)"),
        (["--flag", FLAG, "--to", "9999-12-31"], "Invalid --to 9999-12-31: expected a date from"),
        (
            ["--flag", FLAG, "--from", "0001-01-01"],
            "Invalid --from 0001-01-01: expected a date from",
        ),
    ],
)
def test_bad_command_input_is_one_readable_line(flag, arguments, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("experiment_report", *arguments)
