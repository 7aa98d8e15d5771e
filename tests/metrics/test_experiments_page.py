"""The staff experiment page: verdict, figures with intervals and one chart per metric."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.models import Exposure, Surface
from marketplace.models import UserBucketFlag
from metrics.forms import MAX_RANGE_DAYS
from tests.factories import OfferFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PAGE = reverse("metrics:experiments")
FLAG = "homepage_recommendations"


@pytest.fixture
def experiment():
    flag = UserBucketFlag.objects.update_or_create(name=FLAG, defaults={"percent": 50})[0]
    offer = OfferFactory()
    for number, user in enumerate(UserFactory.create_batch(30)):
        Exposure.objects.create(
            request_id=f"r{number}",
            position=1,
            offer=offer,
            user=user,
            surface=Surface.HOMEPAGE,
            strategy="geo",
            shown_at=timezone.now() - timedelta(days=number % 3),
        )
    return flag


def test_staff_read_the_verdict_the_figures_and_a_chart_per_metric(client, staff_user, experiment):
    client.force_login(staff_user)

    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Verdict:</strong> No significant difference yet: about" in html
    assert "Click-through rate (clicks per impression)" in html
    panels = response.context["panels"]
    assert len(panels) == 7
    for panel in panels:
        svg = ET.fromstring(str(panel.svg))
        assert svg.get("aria-labelledby") == f"{panel.slug}-title {panel.slug}-summary"
        assert "<script" not in str(panel.svg)
        assert "[95% CI]" in panel.columns[1]


def test_the_page_says_what_testing_mode_and_some_languages_do_and_whom_they_reach(
    client, staff_user, experiment
):
    client.force_login(staff_user)
    assert 'role="note"' not in client.get(PAGE).content.decode()
    experiment.testing, experiment.languages = True, "fr"
    experiment.save()

    html = unescape(client.get(PAGE).content.decode())

    assert "Testing mode is on: a request can choose its variant" in html
    assert "The flag's languages name fr but not every language of the site" in html
    assert "whom this report leaves out" in html
    french = unescape(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Le mode test est actif : une requête peut choisir sa variante" in french
    assert "Les langues du drapeau citent fr, mais pas toutes les langues du site" in french


def test_without_a_start_the_page_covers_the_flags_life_up_to_the_longest_period(
    client, staff_user, experiment
):
    client.force_login(staff_user)
    today = timezone.localdate()
    end = today - timedelta(days=10)
    experiment.created = timezone.now() - timedelta(days=1000)
    experiment.save()

    response = client.get(PAGE, {"flag": FLAG})
    ended = client.get(PAGE, {"flag": FLAG, "date_to": end.isoformat()}).context["report"]
    experiment.created = timezone.now() - timedelta(days=5)
    experiment.save()
    young = client.get(PAGE, {"flag": FLAG}).context["report"]

    report = response.context["report"]
    assert report.date_from == today - timedelta(days=MAX_RANGE_DAYS - 1)
    assert len(report.timeline) == MAX_RANGE_DAYS == 731
    assert ended.date_from == end - timedelta(days=MAX_RANGE_DAYS - 1)
    assert young.date_from == today - timedelta(days=5)
    assert "Left empty: since the flag was created, at most the 731 days up to the end." in (
        response.content.decode()
    )
    french = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Laissée vide : depuis la création du drapeau" in unescape(french)


def test_shoppers_are_sent_to_the_login_page(client, shopper, experiment):
    client.force_login(shopper)

    response = client.get(PAGE)

    assert response.status_code == 302


def test_a_reversed_period_is_a_form_error(client, staff_user, experiment):
    client.force_login(staff_user)

    response = client.get(PAGE, {"flag": FLAG, "date_from": "2026-11-02", "date_to": "2026-11-01"})

    assert response.status_code == 200
    assert "The start date must be on or before the end date." in response.content.decode()
    assert response.context["report"] is None


@pytest.mark.parametrize(
    ("period", "error"),
    [
        ({"date_to": "9999-12-31"}, "Choose dates up to today."),
        ({"date_from": "tomorrow"}, "Choose dates up to today."),
        ({"date_from": "1990-01-01"}, "Choose a range of at most 731 days."),
        (
            {"date_from": "1990-01-01", "date_to": "1992-01-02"},
            "Choose a range of at most 731 days.",
        ),
    ],
    ids=["end-at-the-calendar-end", "start-tomorrow", "since-1990", "two-years-long"],
)
def test_a_future_or_overlong_period_is_a_form_error(client, staff_user, experiment, period, error):
    tomorrow = timezone.localdate() + timedelta(days=1)
    period = {
        name: value.replace("tomorrow", tomorrow.isoformat()) for name, value in period.items()
    }
    client.force_login(staff_user)

    response = client.get(PAGE, {"flag": FLAG, **period})

    assert response.status_code == 200
    assert error in response.content.decode()
    assert response.context["report"] is None


def test_an_unknown_flag_is_a_form_error(client, staff_user, experiment):
    client.force_login(staff_user)

    response = client.get(PAGE, {"flag": "nope"})

    assert "Select a valid choice" in response.content.decode()


def test_without_any_flag_the_page_says_how_to_create_one(client, staff_user):
    UserBucketFlag.objects.all().delete()
    client.force_login(staff_user)

    response = client.get(PAGE)

    assert "No canary flag exists yet" in response.content.decode()
