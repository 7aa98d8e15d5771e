"""Sidebar filters of the staff admin that Django's field filters cannot express."""

from collections.abc import Callable

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

# Postcodes start with their département's number; Corsica (20) splits in two
# and overseas départements use three digits (971 Guadeloupe … 976 Mayotte).
DEPARTEMENT_CODES = (
    [f"{number:02d}" for number in range(1, 20)]
    + ["2A", "2B"]
    + [f"{number:02d}" for number in range(21, 96)]
    + [str(number) for number in range(971, 977)]
)


def departement_postcode_q(*, code: str, field: str) -> Q:
    """Rows whose postcode `field` lies in département `code`."""
    if code == "2A":  # Corse-du-Sud: 200xx and 201xx
        return Q(**{f"{field}__startswith": "200"}) | Q(**{f"{field}__startswith": "201"})
    if code == "2B":  # Haute-Corse: 202xx to 206xx
        return Q(**{f"{field}__startswith": "20"}) & ~departement_postcode_q(code="2A", field=field)
    return Q(**{f"{field}__startswith": code})


class DepartementFilter(admin.SimpleListFilter):
    """Filters by département (from the postcode): cities are thousands, départements ~100."""

    title = _("département")
    parameter_name = "departement"
    postcode_field = "postcode"

    def lookups(self, request, model_admin):
        return [(code, code) for code in DEPARTEMENT_CODES]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() in DEPARTEMENT_CODES:
            wanted = departement_postcode_q(code=self.value(), field=self.postcode_field)
            return queryset.filter(wanted)
        return queryset


class VenueDepartementFilter(DepartementFilter):
    title = _("venue département")
    postcode_field = "venue__postcode"


class HomeDepartementFilter(DepartementFilter):
    title = _("home département")
    postcode_field = "home_postcode"


class ChoicesFilter(admin.SimpleListFilter):
    """A filter defined by its options: parameter value → (label, how it narrows the queryset)."""

    options: dict[str, tuple[str, Callable[[QuerySet], QuerySet]]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _narrow) in self.options.items()]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        choice = self.options.get(self.value())
        return choice[1](queryset) if choice else queryset


LOCATED = Q(latitude__isnull=False, longitude__isnull=False)


class OfferTimingFilter(ChoicesFilter):
    """Upcoming (not over yet, undated included) versus past offers, as the catalogue says."""

    title = _("dates")
    parameter_name = "when"
    options = {
        "upcoming": (_("Upcoming or ongoing"), lambda offers: offers.not_past()),
        "past": (_("Past"), lambda offers: offers.past()),
    }


class OfferFormatFilter(ChoicesFilter):
    """Digital offers (no venue) versus offers at a venue."""

    title = _("format")
    parameter_name = "format"
    options = {
        "digital": (_("Digital"), lambda offers: offers.filter(venue__isnull=True)),
        "venue": (_("At a venue"), lambda offers: offers.filter(venue__isnull=False)),
    }


class HasCoordinatesFilter(ChoicesFilter):
    """Venues that can be placed on a map (and so ranked by distance) versus those that cannot."""

    title = _("coordinates")
    parameter_name = "located"
    options = {
        "yes": (_("Located"), lambda venues: venues.filter(LOCATED)),
        "no": (_("Missing"), lambda venues: venues.exclude(LOCATED)),
    }
