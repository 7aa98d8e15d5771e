"""The staff admin: who may enter, what each page shows, and what its actions do."""

import html
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.admin import site
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from marketplace.admin.bookings import BookingAdmin
from marketplace.admin.pagination import EstimatedCountPaginator
from marketplace.models import Booking, Category, Offer, User, Venue
from marketplace.services import OFFERS_DUPLICATE_HORIZON, booking_create
from tests.factories import (
    BookingFactory,
    CategoryFactory,
    DigitalOfferFactory,
    OfferFactory,
    UserFactory,
    VenueFactory,
)

# Written against the English wording; French has its own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MODELS = [User, Category, Venue, Offer, Booking]


def admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:marketplace_{model._meta.model_name}_{page}", args=args)


@pytest.fixture
def catalogue(shopper):
    """One row of each model, the offer with a booking."""
    offer = OfferFactory(stock=5)
    booking = booking_create(user=shopper, offer_id=offer.pk, quantity=2)
    return {
        User: shopper,
        Category: offer.category,
        Venue: offer.venue,
        Offer: offer,
        Booking: booking,
    }


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


class FormScraper(HTMLParser):
    """Collects what a browser would submit from the page's main form."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            if kind not in {"submit", "button", "file"}:
                default = "on" if kind in {"checkbox", "radio"} else ""
                self.data.append((attrs["name"], attrs.get("value", default)))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data.append((self.textarea, ""))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))

    def handle_data(self, data):
        if self.textarea:
            name, text = self.data.pop()
            self.data.append((name, text + data))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


def change_form_data(response, form_id: str = "offer_form", **changes) -> dict:
    """A change form (the offer's by default) as loaded, with `changes` applied: what staff
    would post."""
    scraper = FormScraper(form_id)
    scraper.feed(response.content.decode())
    data: dict = {}
    for name, value in scraper.data:
        data.setdefault(name, value)
    return {**data, **changes}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_staff_can_open_every_changelist_and_change_page(staff_client, catalogue, model):
    changelist = staff_client.get(admin_url(model, "changelist"))
    change = staff_client.get(admin_url(model, "change", catalogue[model].pk))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert catalogue[model] in changelist.context["cl"].result_list


@pytest.mark.parametrize("model", [User, Category, Venue, Offer], ids=lambda model: model.__name__)
def test_staff_can_open_every_add_page(staff_client, model):
    assert staff_client.get(admin_url(model, "add")).status_code == 200


def test_offer_changelist_searches_and_filters_with_every_sidebar_filter(staff_client, catalogue):
    response = staff_client.get(
        admin_url(Offer, "changelist"),
        {
            "q": catalogue[Offer].venue.city,
            "when": "upcoming",
            "is_active__exact": "1",
            "category__id__exact": catalogue[Offer].category_id,
            "format": "venue",
            "venue__kind__exact": catalogue[Offer].venue.kind,
            "departement": "69",
        },
    )

    assert list(response.context["cl"].result_list) == [catalogue[Offer]]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_shoppers_are_sent_to_the_admin_login(client, shopper, model):
    client.force_login(shopper)

    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_anonymous_visitors_are_sent_to_the_admin_login(client, model):
    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_user_can_be_created_from_the_admin_with_an_email_and_no_username(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "new.manager@example.org",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="new.manager@example.org").check_password(
        "a long enough passphrase"
    )


def test_the_admin_refuses_a_new_account_whose_email_differs_only_by_case(staff_client):
    UserFactory(email="lea@example.org")

    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "Lea@Example.org",
            "usable_password": "true",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "An account already uses this email address."
    ]
    assert User.objects.filter(email__iexact="lea@example.org").count() == 1


def test_the_admin_refuses_giving_an_account_the_email_of_another_in_another_case(staff_client):
    UserFactory(email="lea@example.org")
    user = UserFactory(email="camille@example.org")
    url = admin_url(User, "change", user.pk)
    form = change_form_data(staff_client.get(url), "user_form", email="LEA@example.org")

    response = staff_client.post(url, form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "An account already uses this email address."
    ]
    user.refresh_from_db()
    assert user.email == "camille@example.org"


def test_the_admin_lets_an_account_change_the_case_of_its_own_email(staff_client):
    user = UserFactory(email="lea@example.org")
    url = admin_url(User, "change", user.pk)
    form = change_form_data(staff_client.get(url), "user_form", email="Lea@example.org")

    response = staff_client.post(url, form)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "Lea@example.org"


def test_users_are_filtered_by_home_departement(staff_client):
    marseille = UserFactory(home_postcode="13001")
    UserFactory(home_postcode="75011")
    ajaccio = UserFactory(home_postcode="20000")
    bastia = UserFactory(home_postcode="20200")

    def emails(departement: str) -> set[str]:
        response = staff_client.get(admin_url(User, "changelist"), {"departement": departement})
        return {user.email for user in response.context["cl"].result_list}

    assert emails("13") == {marseille.email}
    assert emails("2A") == {ajaccio.email}
    assert emails("2B") == {bastia.email}


def test_venues_are_filtered_by_whether_they_have_coordinates(staff_client):
    located = VenueFactory()
    unlocated = VenueFactory(latitude=None, longitude=None)

    def names(value: str) -> list[str]:
        response = staff_client.get(admin_url(Venue, "changelist"), {"located": value})
        return [venue.name for venue in response.context["cl"].result_list]

    assert names("yes") == [located.name]
    assert names("no") == [unlocated.name]


def test_upcoming_and_past_filter_follows_the_catalogue_rules(staff_client):
    now = timezone.now()
    upcoming = OfferFactory(title="Upcoming concert", starts_at=now + timedelta(days=2))
    ongoing = OfferFactory(
        title="Ongoing exhibition",
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=10),
    )
    past = OfferFactory(title="Past concert", starts_at=now - timedelta(days=2))
    digital = DigitalOfferFactory(title="Film on demand")

    def titles(when: str) -> set[str]:
        response = staff_client.get(admin_url(Offer, "changelist"), {"when": when})
        return {offer.title for offer in response.context["cl"].result_list}

    assert titles("upcoming") == {upcoming.title, ongoing.title, digital.title}
    assert titles("past") == {past.title}


def test_format_filter_separates_digital_offers_from_offers_at_a_venue(staff_client):
    at_venue, digital = OfferFactory(), DigitalOfferFactory()

    def titles(value: str) -> list[str]:
        response = staff_client.get(admin_url(Offer, "changelist"), {"format": value})
        return [offer.title for offer in response.context["cl"].result_list]

    assert titles("digital") == [digital.title]
    assert titles("venue") == [at_venue.title]


def test_offer_form_finds_venues_by_name_or_city_as_you_type(staff_client):
    VenueFactory(name="Le Louxor", city="Paris", postcode="75010")
    VenueFactory(name="Institut Lumière", city="Lyon")

    def names(term: str) -> list[str]:
        field = {"app_label": "marketplace", "model_name": "offer", "field_name": "venue"}
        response = staff_client.get(reverse("admin:autocomplete"), {**field, "term": term})
        return [result["text"] for result in response.json()["results"]]

    assert names("louxor") == ["Le Louxor (Paris)"]
    assert names("lyon") == ["Institut Lumière (Lyon)"]


def test_offer_changelist_shows_stock_booked_and_remaining(staff_client, catalogue):
    response = staff_client.get(admin_url(Offer, "changelist"))

    row = response.content.decode().split(catalogue[Offer].title, 1)[1].split("</tr>", 1)[0]
    assert '<td class="field-stock">5</td>' in row
    assert '<td class="field-booked">2</td>' in row
    assert '<td class="field-remaining">3</td>' in row


@pytest.mark.parametrize(("action", "is_active"), [("activate", True), ("deactivate", False)])
def test_bulk_activation_actions_change_only_the_selected_offers(staff_client, action, is_active):
    selected = OfferFactory.create_batch(2, is_active=not is_active)
    untouched = OfferFactory(is_active=not is_active)

    response = staff_client.post(
        admin_url(Offer, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [offer.pk for offer in selected]},
        follow=True,
    )

    assert response.status_code == 200
    assert f"2 offers {action}d." in response.content.decode()
    assert set(Offer.objects.filter(is_active=is_active)) == set(selected)
    untouched.refresh_from_db()
    assert untouched.is_active is not is_active


def duplicate_post(client, offers, **form):
    return client.post(
        admin_url(Offer, "changelist"),
        {"action": "duplicate", ACTION_CHECKBOX_NAME: [offer.pk for offer in offers], **form},
    )


def test_duplicate_action_first_asks_where_the_copies_go(staff_client):
    offer = OfferFactory(title="Jazz à Vienne")

    response = duplicate_post(staff_client, [offer])

    assert response.status_code == 200
    page = response.content.decode()
    assert "Duplicate offers to new dates" in page
    assert "Jazz à Vienne" in page
    assert 'name="apply"' in page
    assert Offer.objects.count() == 1


def test_duplicate_action_shifts_copies_by_weeks_through_the_intermediate_form(staff_client):
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=3)
    offer = OfferFactory(
        title="Weekly jam", starts_at=starts_at, ends_at=starts_at + timedelta(hours=3)
    )

    response = duplicate_post(staff_client, [offer], apply="1", shift="1", unit="weeks", copies="4")

    assert response.status_code == 302
    copies = Offer.objects.filter(title="Weekly jam").exclude(pk=offer.pk).order_by("starts_at")
    assert [copy.starts_at for copy in copies] == [
        starts_at + timedelta(weeks=week) for week in range(1, 5)
    ]
    assert all(copy.ends_at - copy.starts_at == timedelta(hours=3) for copy in copies)
    messages = [str(message) for message in staff_client.get(response.url).context["messages"]]
    assert "4 copies created from the selected offers." in messages


def test_duplicate_action_moves_the_earliest_offer_to_the_new_start_keeping_the_spacing(
    staff_client,
):
    local = timezone.localtime(timezone.now().replace(microsecond=0, second=0))
    first = OfferFactory(title="Opening night", starts_at=local + timedelta(days=1))
    second = OfferFactory(title="Second night", starts_at=local + timedelta(days=2))
    new_start = local + timedelta(days=30)

    response = duplicate_post(
        staff_client,
        [first, second],
        apply="1",
        new_start_0=f"{new_start:%Y-%m-%d}",
        new_start_1=f"{new_start:%H:%M:%S}",
        unit="weeks",
        copies="1",
    )

    assert response.status_code == 302
    assert Offer.objects.exclude(pk=first.pk).get(title="Opening night").starts_at == new_start
    assert Offer.objects.exclude(pk=second.pk).get(
        title="Second night"
    ).starts_at == new_start + timedelta(days=1)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"new_start_0": "2020-01-01", "new_start_1": "20:00:00"}, "must be in the future"),
        ({"new_start_0": "31/31/2031", "new_start_1": "20:00"}, "Enter a valid date"),
        ({}, "either a new start date or a shift"),
        (
            {"new_start_0": "2031-01-01", "new_start_1": "20:00:00", "shift": "1"},
            "either a new start date or a shift",
        ),
        ({"shift": "1", "copies": "60"}, "less than or equal to 52"),
        ({"shift": "100000000000"}, "less than or equal to"),
        ({"shift": "1000000"}, "less than or equal to"),
        ({"shift": "3000"}, "furthest date"),
        (
            {"new_start_0": "9000-01-01", "new_start_1": "20:00:00", "copies": "52"},
            "furthest date",
        ),
    ],
    ids=[
        "past-date",
        "not-a-date",
        "nothing",
        "both",
        "too-many-copies",
        "shift-too-large-for-a-date",
        "shift-too-large",
        "shift-past-the-horizon",
        "new-start-past-the-horizon",
    ],
)
def test_duplicate_action_with_bad_input_shows_the_form_again_with_an_error(
    staff_client, form, error
):
    offer = OfferFactory()

    response = duplicate_post(
        staff_client, [offer], apply="1", **{"unit": "weeks", "copies": "1", **form}
    )

    assert response.status_code == 200
    assert error in response.content.decode()
    assert Offer.objects.count() == 1


def test_duplicate_action_keeps_select_all_across_the_filtered_pages(staff_client):
    soon = timezone.now() + timedelta(days=1)
    upcoming = OfferFactory.create_batch(3, starts_at=soon)
    OfferFactory(starts_at=timezone.now() - timedelta(days=1))
    url = admin_url(Offer, "changelist") + "?when=upcoming"
    selection = {
        "action": "duplicate",
        "select_across": "1",
        ACTION_CHECKBOX_NAME: [upcoming[0].pk],
    }

    page = staff_client.post(url, selection)
    done = staff_client.post(
        url, {**selection, "apply": "1", "shift": "1", "unit": "days", "copies": "1"}
    )

    assert "3 offers selected" in page.content.decode()
    assert 'name="select_across" value="1"' in page.content.decode()
    assert done.status_code == 302
    assert Offer.objects.filter(starts_at=soon + timedelta(days=1)).count() == 3
    assert Offer.objects.count() == 7


def test_duplicate_action_refuses_undated_offers_with_a_form_error(staff_client):
    dated, digital = OfferFactory(), DigitalOfferFactory(title="Podcast")

    response = duplicate_post(
        staff_client, [dated, digital], apply="1", shift="7", unit="days", copies="1"
    )

    assert response.status_code == 200
    assert "no date to move" in response.content.decode()
    assert Offer.objects.count() == 2


def test_offer_stock_below_the_booked_places_is_a_form_error(staff_client, catalogue):
    offer = catalogue[Offer]
    url = admin_url(Offer, "change", offer.pk)

    response = staff_client.post(url, change_form_data(staff_client.get(url), stock="1"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "stock": ["2 places are already booked; the stock cannot go below that."]
    }
    offer.refresh_from_db()
    assert offer.stock == 5


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_offer_dates_outside_the_sites_years_are_a_form_error(staff_client, catalogue, field, day):
    offer = catalogue[Offer]
    before = (offer.starts_at, offer.ends_at)
    url = admin_url(Offer, "change", offer.pk)
    dates = {"starts_at_0": day, "starts_at_1": "00:00", "ends_at_0": "", "ends_at_1": ""}
    if field == "ends_at":
        dates = {"ends_at_0": day, "ends_at_1": "00:00"}

    response = staff_client.post(url, change_form_data(staff_client.get(url), **dates))

    assert response.status_code == 200
    if day > "2000":
        horizon = timezone.localtime(timezone.now() + OFFERS_DUPLICATE_HORIZON)
        message = (
            f"This date is after {date_format(horizon, 'DATE_FORMAT')}, the furthest date an "
            "offer may reach."
        )
    else:
        message = "This date is before Sat 1 Jan 2000: no offer predates the site."
    assert message in response.context["adminform"].form.errors[field]
    offer.refresh_from_db()
    assert (offer.starts_at, offer.ends_at) == before
    assert staff_client.get(admin_url(Offer, "changelist")).status_code == 200


def test_offer_dates_up_to_the_duplicate_horizon_are_saved(staff_client, catalogue):
    offer = catalogue[Offer]
    url = admin_url(Offer, "change", offer.pk)
    start = timezone.localtime(timezone.now() + OFFERS_DUPLICATE_HORIZON - timedelta(days=2))
    dates = {
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": "20:00",
        "ends_at_0": f"{start + timedelta(days=1):%Y-%m-%d}",
        "ends_at_1": "20:00",
    }

    response = staff_client.post(url, change_form_data(staff_client.get(url), **dates))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert timezone.localtime(offer.starts_at).date() == start.date()


def test_saving_an_offer_keeps_places_booked_while_the_form_was_open(staff_client, catalogue):
    offer = catalogue[Offer]
    url = admin_url(Offer, "change", offer.pk)
    form = staff_client.get(url)
    booking_create(user=UserFactory(), offer_id=offer.pk, quantity=1)

    response = staff_client.post(url, change_form_data(form, stock="4", price="18.00"))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.stock, offer.booked_quantity, str(offer.price)) == (4, 3, "18.00")


@pytest.mark.postgres
def test_saving_an_offer_locks_its_row_until_the_save_commits(staff_client, catalogue):
    url = admin_url(Offer, "change", catalogue[Offer].pk)
    data = change_form_data(staff_client.get(url), stock="3")

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.post(url, data)

    assert response.status_code == 302
    locks = [query["sql"] for query in queries if "FOR UPDATE" in query["sql"]]
    assert len(locks) == 1
    assert 'FROM "marketplace_offer"' in locks[0]


def test_offer_without_venue_or_url_is_a_form_error(staff_client):
    response = staff_client.post(
        admin_url(Offer, "add"),
        {
            "title": "Nowhere",
            "category": CategoryFactory().pk,
            "price": "10",
            "is_active": "on",
            "bookings-TOTAL_FORMS": "0",
            "bookings-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "A digital offer needs its URL" in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_page_shows_its_latest_bookings_newest_first_read_only(staff_client):
    offer = OfferFactory(stock=None)
    now = timezone.now()
    for days_ago in range(25):
        BookingFactory(offer=offer, created_at=now - timedelta(days=days_ago))
    newest = Booking.objects.filter(offer=offer).order_by("-created_at")

    response = staff_client.get(admin_url(Offer, "change", offer.pk))

    (inline,) = response.context["inline_admin_formsets"]
    shown = [form.original for form in inline]
    assert shown == list(newest[:20])
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


def test_booking_admin_refuses_add_change_and_delete_even_to_superusers(staff_client, catalogue):
    booking = catalogue[Booking]

    add = staff_client.get(admin_url(Booking, "add"))
    change = staff_client.post(
        admin_url(Booking, "change", booking.pk), {"status": Booking.Status.CANCELLED}
    )
    delete = staff_client.post(admin_url(Booking, "delete", booking.pk), {"post": "yes"})
    bulk_delete = staff_client.post(
        admin_url(Booking, "changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [booking.pk], "post": "yes"},
    )

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert bulk_delete.status_code == 200  # the changelist again, "no action selected"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def booking_results(client, **params) -> list[Booking]:
    return list(client.get(admin_url(Booking, "changelist"), params).context["cl"].result_list)


def test_booking_admin_filters_by_category_and_status(staff_client, catalogue):
    booking = catalogue[Booking]
    other = BookingFactory(offer=DigitalOfferFactory(), status=Booking.Status.USED)

    assert booking_results(staff_client, offer__category__id__exact=booking.offer.category_id) == [
        booking
    ]
    assert booking_results(staff_client, status__exact="used") == [other]


def test_booking_search_by_full_email_finds_that_shoppers_bookings_whatever_the_case(
    staff_client,
):
    mine = BookingFactory(user=UserFactory(email="Camille.Durand@example.org"))
    BookingFactory(user=UserFactory(email="camille.durand@example.org.evil"))

    assert booking_results(staff_client, q="camille.durand@example.org") == [mine]
    assert booking_results(staff_client, q="  Camille.Durand@EXAMPLE.org ") == [mine]


def test_booking_search_by_words_matches_emails_and_offer_titles(staff_client):
    by_title = BookingFactory(offer=OfferFactory(title="Nuit des musées"))
    by_email = BookingFactory(user=UserFactory(email="musees.lover@example.org"))
    BookingFactory(offer=OfferFactory(title="Concert"))

    assert set(booking_results(staff_client, q="musée")) == {by_title}
    assert set(booking_results(staff_client, q="musees")) == {by_email}
    assert set(booking_results(staff_client, q="e")) == set(Booking.objects.all())


def test_booking_date_hierarchy_drills_down_from_years_to_days(staff_client):
    zone = timezone.get_current_timezone()
    for moment in [
        datetime(2025, 12, 20, 12, tzinfo=zone),
        datetime(2026, 1, 10, 9, tzinfo=zone),
        datetime(2026, 3, 5, 18, tzinfo=zone),
    ]:
        BookingFactory(created_at=moment)
    url = admin_url(Booking, "changelist")

    years = staff_client.get(url).content.decode()
    months = staff_client.get(url, {"created_at__year": "2026"}).content.decode()
    days = staff_client.get(
        url, {"created_at__year": "2026", "created_at__month": "3"}
    ).content.decode()

    assert "?created_at__year=2025" in years and "?created_at__year=2026" in years
    assert "created_at__month=1&amp;created_at__year=2026" in months
    assert "created_at__month=3&amp;created_at__year=2026" in months
    assert "created_at__month=4&amp;created_at__year=2026" not in months
    assert "created_at__day=5&amp;created_at__month=3&amp;created_at__year=2026" in days
    assert "created_at__day=6&amp;created_at__month=3" not in days


@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_booking_date_steps_match_the_distinct_dates_when_every_step_has_bookings(kind):
    """Across a DST change and a new year, the cheap steps equal Django's DISTINCT query."""
    zone = timezone.get_current_timezone()
    start = datetime(2025, 10, 24, 23, 30, tzinfo=zone)
    for day in range(100):
        BookingFactory(created_at=start + timedelta(days=day))
    queryset = BookingAdmin(Booking, site).get_queryset(None)

    assert list(queryset.datetimes("created_at", kind)) == list(
        Booking.objects.datetimes("created_at", kind)
    )
    assert list(queryset.filter(status="used").datetimes("created_at", kind)) == []


def follow_link(client, page_url: str, text: str):
    """Open `page_url`, then the link it shows as `text`."""
    page = client.get(page_url).content.decode()
    (href,) = re.findall(rf'href="([^"]+)">{text}</a>', page)
    return client.get(html.unescape(href))


@pytest.mark.parametrize(
    ("model", "text"),
    [(Offer, "All bookings of this offer"), (User, "All bookings of this person")],
    ids=["offer", "person"],
)
def test_offer_and_person_pages_link_to_their_bookings(staff_client, catalogue, model, text):
    BookingFactory()

    response = follow_link(staff_client, admin_url(model, "change", catalogue[model].pk), text)

    assert list(response.context["cl"].result_list) == [catalogue[Booking]]


def test_venue_list_links_to_the_offers_at_each_venue(staff_client, catalogue):
    OfferFactory()
    venue = catalogue[Venue]
    page = staff_client.get(admin_url(Venue, "changelist")).content.decode()
    (href,) = re.findall(rf'href="([^"]+venue__id__exact={venue.pk})">Offers</a>', page)

    response = staff_client.get(html.unescape(href))

    assert list(response.context["cl"].result_list) == [catalogue[Offer]]


@pytest.mark.postgres
def test_unfiltered_booking_list_numbers_pages_from_the_planner_estimate(staff_client, monkeypatch):
    BookingFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE marketplace_booking")
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_from_rows", 1)
    url = admin_url(Booking, "changelist")

    with CaptureQueriesContext(connection) as unfiltered:
        everything = staff_client.get(url)
    with CaptureQueriesContext(connection) as filtered:
        confirmed = staff_client.get(url, {"status__exact": "confirmed"})

    assert everything.context["cl"].result_count == 3  # ANALYZE saw every row
    assert not any("COUNT(" in query["sql"] for query in unfiltered)
    assert confirmed.context["cl"].result_count == 3
    assert any("COUNT(" in query["sql"] for query in filtered)


def test_small_tables_are_counted_exactly(staff_client):
    BookingFactory.create_batch(2)

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get(admin_url(Booking, "changelist"))

    assert response.context["cl"].result_count == 2
    assert any("COUNT(" in query["sql"] for query in queries)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_rows(count: int) -> None:
    """`count` more offers at their own venues, each booked by its own shopper."""
    BookingFactory.create_batch(count)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_the_rows(
    staff_client, django_assert_max_num_queries, model
):
    add_rows(2)
    url = admin_url(model, "changelist")
    few = count_queries(staff_client, url)
    add_rows(30)

    with django_assert_max_num_queries(few):
        response = staff_client.get(url)

    assert response.context["cl"].result_count == model.objects.count()


def test_offer_page_query_count_does_not_grow_with_its_bookings(
    staff_client, django_assert_max_num_queries
):
    offer = OfferFactory(stock=None)
    BookingFactory.create_batch(2, offer=offer)
    url = admin_url(Offer, "change", offer.pk)
    few = count_queries(staff_client, url)
    BookingFactory.create_batch(30, offer=offer)

    with django_assert_max_num_queries(few):
        staff_client.get(url)


def test_a_home_postcode_changed_in_the_admin_moves_the_coordinates_with_it(staff_client):
    user = UserFactory(newsletter_consent=False)
    url = admin_url(User, "change", user.pk)
    form = change_form_data(
        staff_client.get(url), "user_form", home_postcode="13001", home_city="", first_name="Ana"
    )

    response = staff_client.post(url, form)

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.home_postcode, user.home_city, user.first_name) == (
        "13001",
        "Marseille 1er Arrondissement",
        "Ana",
    )
    assert user.home_latitude == pytest.approx(43.3, abs=0.05)
    assert user.home_longitude == pytest.approx(5.38, abs=0.05)


def test_an_unknown_home_postcode_in_the_admin_is_a_form_error_and_changes_nothing(staff_client):
    user = UserFactory()
    url = admin_url(User, "change", user.pk)
    form = change_form_data(staff_client.get(url), "user_form", home_postcode="99999")

    response = staff_client.post(url, form)

    assert response.status_code == 200
    assert "Unknown French postcode: 99999." in response.content.decode()
    user.refresh_from_db()
    assert (user.home_postcode, user.home_latitude) == ("69003", 45.7533)
