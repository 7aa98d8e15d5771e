"""French first, English second: pages, formats, emails, the admin, and the catalogues."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from experiments import comparison
from experiments.report import experiment_report_build
from experiments.statistics import Difference, Estimate, SampleRatioCheck
from marketplace.models import UserBucketFlag
from metrics.experiment_charts import experiment_panels
from scripts import catalogues
from tests.factories import BookingFactory, CategoryFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("storefront:home")
RECOMMENDATIONS_API = "/api/v1/recommendations/"
CONCERT_START = datetime(2030, 8, 1, 20, 30, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def concert():
    # 1 August 2030 is a Thursday.
    return OfferFactory(title="Concert d’été", price=Decimal("14.00"), starts_at=CONCERT_START)


def test_a_visitor_without_preference_gets_french_pages_with_french_formats(client, concert):
    html = client.get(HOME).content.decode()

    assert '<html lang="fr">' in html
    assert "La culture près de chez vous" in html
    assert "jeu. 1 août 2030, 20 h 30" in html
    assert "14,00\u00a0€" in html
    assert "Musique live" in html


def test_a_browser_asking_for_english_gets_english_pages(client, concert):
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<html lang="en">' in html
    assert "Culture near you" in html
    assert "Thu 1 Aug 2030, 20:30" in html
    assert "€14.00" in html


def test_the_language_switch_remembers_english_then_french(client, concert):
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME}, follow=True)

    assert "Culture near you" in response.content.decode()
    assert "Culture near you" in client.get(HOME).content.decode()

    client.post(reverse("set_language"), {"language": "fr", "next": HOME})
    assert "La culture près de chez vous" in client.get(HOME).content.decode()


def test_form_errors_are_in_the_visitors_language(client):
    french = client.post(reverse("storefront:signup"), {"home_postcode": "123"})
    english = client.post(
        reverse("storefront:signup"), {"home_postcode": "123"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "Un code postal français a 5 chiffres" in french.content.decode()
    assert "A French postcode has 5 digits" in english.content.decode()


def test_the_admin_is_in_french(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    html = client.get(reverse("admin:marketplace_offer_changelist")).content.decode()

    assert "Passerelle, espace équipe" in html
    assert "Publier les offres sélectionnées" in html
    assert "Place de marché" in client.get(reverse("admin:index")).content.decode()


def test_a_shipped_category_is_named_in_french_in_the_filter_and_on_its_page(client):
    OfferFactory(category=CategoryFactory(slug="shows"))

    html = client.get(HOME, {"category": "shows"}).content.decode()

    assert "<h1>Spectacles et théâtre</h1>" in html
    assert "<title>Spectacles et théâtre" in html
    assert ">Spectacles et théâtre</option>" in html
    assert "Shows and theatre" not in html


def test_the_offer_duplicate_page_and_the_admin_index_are_in_french(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    offer = OfferFactory()

    duplicate = client.post(
        reverse("admin:marketplace_offer_changelist"),
        {"action": "duplicate", ACTION_CHECKBOX_NAME: [offer.pk]},
    ).content.decode()
    index = client.get(reverse("admin:index")).content.decode()

    assert "1 offre sélectionnée" in duplicate
    assert 'value="Créer les copies"' in duplicate
    assert ">Accueil</a>" in duplicate and "Les copies reprennent" in duplicate
    assert "Recommandations" in index and "Indicateurs" in index


def test_the_experiment_charts_name_the_variants_in_french():
    UserBucketFlag.objects.update_or_create(name="homepage_canary", defaults={"percent": 50})
    report = experiment_report_build(
        flag_name="homepage_canary", date_from=CONCERT_START.date(), date_to=CONCERT_START.date()
    )

    panel = experiment_panels(report)[0]

    assert panel.columns[1:] == ["témoin [IC à 95\u00a0%]", "traitement [IC à 95\u00a0%]"]
    assert panel.summary.startswith("Sur la période\u00a0: témoin ")


def test_password_reset_email_follows_the_language_of_the_request(client, mailoutbox):
    UserFactory(email="camille@example.org")
    UserFactory(email="sam@example.org")

    client.post(reverse("storefront:password_reset"), {"email": "camille@example.org"})
    client.post(
        reverse("storefront:password_reset"),
        {"email": "sam@example.org"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    french, english = mailoutbox
    assert french.subject == "Votre nouveau mot de passe Passerelle"
    assert "Bonjour," in french.body
    assert "Bonjour," in french.alternatives[0][0]
    assert english.subject == "Your new Passerelle password"
    assert "Hello," in english.body


def test_every_marked_message_has_a_french_translation():
    assert catalogues.untranslated("fr") == []


def test_the_committed_compiled_catalogue_matches_its_source():
    assert not catalogues.compiled_is_stale("fr")


def test_the_check_reports_a_marked_message_missing_from_the_catalogue():
    template = '{% load i18n %}<p>{% translate "A sentence nobody translated" %}</p>'
    code = 'from django.utils.translation import gettext as _\n_("Another one")\n'

    found = set(catalogues.template_messages(template)) | set(catalogues.python_messages(code))

    assert found == {(None, "A sentence nobody translated"), (None, "Another one")}
    catalog = catalogues.catalog_read("fr")
    assert catalog.get("A sentence nobody translated") is None


def test_the_check_reads_plural_and_context_messages_of_templates():
    template = (
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} seat"
        "{% plural %}{{ counter }} seats{% endblocktranslate %}"
        '{% translate "May" context "month" %}'
    )

    assert set(catalogues.template_messages(template)) == {
        (None, "%(counter)s seat"),
        ("month", "May"),
    }


def test_prices_and_dates_follow_the_active_language():
    from django.utils.formats import date_format

    from marketplace.templatetags.money import price_label

    with translation.override("fr"):
        assert price_label(Decimal("1234.5")) == "1\u00a0234,50\u00a0€"
        assert price_label(Decimal("0")) == "Gratuit"
        assert date_format(CONCERT_START, "DATETIME_FORMAT") == "jeu. 1 août 2030, 20 h 30"
    with translation.override("en"):
        assert price_label(Decimal("1234.5")) == "€1,234.50"


def test_recommendation_reasons_follow_the_language_of_the_api_request():
    """A reason is worded in the caller's language, and each language reads its own
    wording even right after the other one asked (no list cached in the wrong language)."""
    for rank in range(2):
        BookingFactory.create_batch(2 - rank, offer=OfferFactory(stock=100))
    api = APIClient()

    french = api.get(RECOMMENDATIONS_API).json()["results"]
    english = api.get(RECOMMENDATIONS_API, HTTP_ACCEPT_LANGUAGE="en").json()["results"]

    assert french and english
    assert all("populaire" in item["reason"] for item in french)
    assert all("popular" in item["reason"] for item in english)
    assert "réservation" in french[0]["reason"] and "booking" in english[0]["reason"]
    assert french[0]["category"]["name"] == "Musique live"
    assert english[0]["category"]["name"] == "Live music"


def test_api_errors_are_in_french_by_default_and_in_english_on_request():
    api = APIClient()

    french = api.get("/api/v1/nothing-here/")
    english = api.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    refused = api.get(RECOMMENDATIONS_API, {"category": "nope"})

    assert french.json() == {"detail": "Cette adresse de l’API n’existe pas."}
    assert english.json() == {"detail": "No such API endpoint."}
    assert refused.status_code == 400
    assert refused.json()["category"] == ["Catégorie inconnue\u00a0: nope."]


def test_the_experiment_verdict_is_written_in_french_with_french_numbers():
    undecided = comparison.MetricComparison(
        key="north_star", label="", unit="share", control=Estimate(0.2, 0.17, 0.23),
        treatment=Estimate(0.21, 0.18, 0.24), difference=Difference(0.01, -0.03, 0.05, 0.7),
        test="",
    )  # fmt: skip
    balanced = SampleRatioCheck(observed=(500, 500), expected_shares=(0.5, 0.5), p_value=1.0)

    with translation.override("fr"):
        verdict = comparison.verdict_write(
            north_star=undecided, sample_ratio=balanced, needed_per_arm=6862, smallest_arm=500
        )

    assert verdict == (
        "Pas encore de différence significative\u00a0: il faut environ 6\u00a0362 utilisateurs "
        "de plus par bras pour détecter 2 points."
    )


def test_a_forged_newsletter_link_is_refused_in_french(client):
    response = client.get(reverse("newsletter:unsubscribe", args=["1:1xW4gI:forged"]))

    assert response.status_code == 400
    assert "Ce lien de désabonnement n’est pas valide." in response.content.decode()


def test_the_experiment_report_command_speaks_english_to_operators(capsys):
    UserBucketFlag.objects.update_or_create(name="homepage_canary", defaults={"percent": 50})

    call_command("experiment_report", "--flag", "homepage_canary")

    output = capsys.readouterr().out
    assert "Verdict: No verdict yet: both variants need exposed users." in output
    assert "Click-through rate (clicks per impression)" in output
    assert translation.get_language() == "fr"
