"""The admin in French: field labels, model names and choice labels of every app's admin,
and the texts the data migrations wrote (ADR 0027)."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest
from django.apps import apps as installed_apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django_celery_beat.models import PeriodicTask
from waffle.models import Switch

from config.data_rewording import rewording
from metrics.models import DailyCategoryMetrics, DailyMetrics
from newsletter.models import Campaign, Click, Send, Unsubscription
from recommendations.models import ModelVersion, RetrainingDecision
from tests.factories import BookingFactory, DigitalOfferFactory, OfferFactory

pytestmark = pytest.mark.django_db

# What the admin showed before the labels were marked (Django's labels made from field
# names), and columns described in plain English: none may come back.
FORMER_ENGLISH_LABELS = ("Created at", "Updated at", "Is digital", "Home latitude",
                         "Home longitude", "Subject", "Planned at", "Model version", "Sends",
                         "Pending", "Failed", "Daily metrics", "Metrics of", "Strategy",
                         "A full email address", "(digital)", "unlimited")  # fmt: skip


HIDDEN = ("script", "style", "nav")


class VisibleText(HTMLParser):
    """The text a reader sees on the page itself: everything outside <script> and <style>,
    and outside <nav> (the sidebar lists every model; the admin index is checked apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self.hidden += tag in HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in HIDDEN

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    # Runs of ordinary white space only: French typography's no-break spaces are kept.
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.parts))


def labels(model: type[models.Model], language: str) -> set[str]:
    """The model's names, field labels and choice labels as the admin writes them: names
    and labels capitalised, choices also as they are (a read-only value)."""
    with translation.override(language):
        names = {model._meta.verbose_name, model._meta.verbose_name_plural}
        choices = set()
        for field in model._meta.get_fields():
            if isinstance(field, models.Field):
                names.add(field.verbose_name)
                choices.update(str(label) for _, label in field.choices or ())
        return {capfirst(str(text)) for text in names | choices} | choices


def english_labels(model: type[models.Model]) -> set[str]:
    """The English labels a French reader must not see (those written alike are left out)."""
    return (labels(model, "en") - labels(model, "fr")) | set(FORMER_ENGLISH_LABELS)


@pytest.fixture
def french_staff(client):
    client.force_login(
        installed_apps.get_model(settings.AUTH_USER_MODEL).objects.create_superuser(
            email="equipe@passerelle.example", password="mot de passe"
        )
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client


@pytest.fixture
def records():
    """One row of each model whose admin is checked, holding French or neutral data only."""
    now = timezone.now()
    booking = BookingFactory(offer=OfferFactory(description="Une soirée de jazz."))
    # Listed beside it on the offers' changelist: no venue, no stock limit.
    DigitalOfferFactory(title="Film en ligne", description="Un film.")
    campaign = Campaign.objects.create(subject="Vos sorties de la semaine", planned_at=now)
    send = Send.objects.create(
        campaign=campaign, user=booking.user, status=Send.Status.SENT, sent_at=now
    )
    champion = ModelVersion.objects.create(
        version_id="classement-2026-11-29",
        artifact_name="classement.joblib",
        artifact_checksum="0" * 64,
        status=ModelVersion.Status.CHAMPION,
    )
    return [
        booking.offer,
        booking.offer.category,
        booking.offer.venue,
        booking,
        booking.user,
        campaign,
        send,
        Click.objects.create(
            send=send, campaign=campaign, user=booking.user, offer=booking.offer, clicked_at=now
        ),
        Unsubscription.objects.create(
            user=booking.user,
            send=send,
            campaign=campaign,
            method=Unsubscription.Method.PAGE,
            created_at=now,
        ),
        DailyMetrics.objects.create(date=date(2026, 11, 29), bookings=1),
        DailyCategoryMetrics.objects.create(
            date=date(2026, 11, 29), category=booking.offer.category, bookings=1
        ),
        champion,
        RetrainingDecision.objects.create(
            triggered_by="tâche nocturne",
            champion=champion,
            verdict=RetrainingDecision.Verdict.NO_TRIGGER,
            reason="Le champion reste en place.",
        ),
    ]


def admin_pages(client, record: models.Model) -> str:
    """The visible text of the record's changelist and change form."""
    prefix = f"admin:{record._meta.app_label}_{record._meta.model_name}"
    pages = [
        client.get(reverse(f"{prefix}_changelist")),
        client.get(reverse(f"{prefix}_change", args=[record.pk])),
    ]
    assert all(page.status_code == 200 for page in pages)
    return "\n".join(visible_text(page.content.decode()) for page in pages)


def english_found(text: str, model: type[models.Model]) -> list[str]:
    return [label for label in english_labels(model) if re.search(rf"\b{re.escape(label)}\b", text)]


def test_no_english_label_is_left_in_the_admin_of_each_model(french_staff, records):
    index = visible_text(french_staff.get(reverse("admin:index")).content.decode())

    for record in records:
        assert english_found(admin_pages(french_staff, record), type(record)) == []
        assert english_found(index, type(record)) == []
    assert "Campagnes" in index and "Décisions de réentraînement" in index


@pytest.mark.parametrize(
    ("model_index", "french"),
    [
        (0, ["Créée le", "Modifiée le", "Places réservées", "URL", "(numérique)", "illimitées"]),
        (1, ["Numérique", "Identifiant d’URL", "Position"]),
        (3, ["Une adresse e-mail complète trouve ce client", "Réservée le"]),
        (4, ["Latitude du domicile", "Longitude du domicile"]),
        (
            5,
            [
                "l’objet campagne",
                "Objet",
                "Prévue le",
                "Envois",
                "Envoyés",
                "En attente",
                "En échec",
            ],
        ),
        (6, ["l’objet envoi", "Destinataire", "Tentatives"]),
        (
            9,
            [
                "l’objet indicateurs du jour",
                "Chiffre d’affaires",
                "Utilisateurs actifs, 30\u00a0jours",
            ],
        ),
        (11, ["l’objet version du modèle", "Fichier de l’artefact", "Indicateurs hors ligne"]),
        (12, ["l’objet décision de réentraînement", "aucun contrôle déclenché", "Motif"]),
    ],
)
def test_the_admin_names_fields_in_french(french_staff, records, model_index, french):
    text = admin_pages(french_staff, records[model_index])

    for label in french:
        assert label in text


def test_the_notes_and_descriptions_written_by_migrations_are_french():
    assert Switch.objects.get(name="newsletter_paused").note.startswith("Activé\u00a0:")
    assert PeriodicTask.objects.get(name="newsletter: weekly campaign").description == (
        "Crée la campagne de la semaine (une par semaine ISO) et l’envoie."
    )


def test_rewording_keeps_a_text_edited_by_staff_and_rolls_back_the_untouched_one():
    Switch.objects.create(name="edited", note="Written by staff.")
    Switch.objects.create(name="untouched", note="Nouveau texte.")
    step = rewording(
        "waffle",
        "Switch",
        "note",
        {"edited": ("Old text.", "Nouveau texte."), "untouched": ("Old text.", "Nouveau texte.")},
    )

    step.reverse_code(installed_apps, None)

    assert Switch.objects.get(name="edited").note == "Written by staff."
    assert Switch.objects.get(name="untouched").note == "Old text."
