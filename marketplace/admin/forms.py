"""Forms of the staff admin: the offer form's friendly checks and the duplicate action's form."""

from datetime import timedelta

from django import forms
from django.contrib.admin import widgets
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace.models import Offer
from marketplace.services import (
    OFFERS_DUPLICATE_HORIZON,
    OFFERS_DUPLICATE_MAX_COPIES,
    OFFERS_EARLIEST_DATE,
)


class OfferAdminForm(forms.ModelForm):
    """The offer form, with readable errors where the database would refuse the row."""

    # Declared to pick the https scheme for bare domains (Django 6's default).
    url = forms.URLField(
        required=False,
        label=_("URL"),
        assume_scheme="https",
        max_length=Offer._meta.get_field("url").max_length,
        help_text=Offer._meta.get_field("url").help_text,
    )

    class Meta:
        model = Offer
        fields = [
            "title",
            "description",
            "category",
            "venue",
            "url",
            "starts_at",
            "ends_at",
            "price",
            "stock",
            "is_active",
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("venue") and not cleaned.get("url"):
            self.add_error("url", _("A digital offer needs its URL; otherwise choose a venue."))
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        # Dates stay between the site's first day and the duplicate action's horizon: a
        # date at the calendar's end broke the list's date drill-down (year 9999 has no
        # next year to end on), one at its start the list itself (year 0 in UTC).
        horizon = timezone.now() + OFFERS_DUPLICATE_HORIZON
        for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
            if moment and moment > horizon:
                self.add_error(
                    name,
                    _("This date is after %(horizon)s, the furthest date an offer may reach.")
                    % {"horizon": date_format(timezone.localtime(horizon), "DATE_FORMAT")},
                )
            elif moment and moment.date() < OFFERS_EARLIEST_DATE:
                self.add_error(
                    name,
                    _("This date is before %(earliest)s: no offer predates the site.")
                    % {"earliest": date_format(OFFERS_EARLIEST_DATE, "DATE_FORMAT")},
                )
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", _("The end must come after the start."))
        stock = cleaned.get("stock")
        # The instance was read under a row lock (OfferAdmin.get_object), so no
        # booking can slip in between this check and the save.
        booked = self.instance.booked_quantity
        if stock is not None and stock < booked:
            self.add_error(
                "stock",
                ngettext(
                    "%(count)d place is already booked; the stock cannot go below that.",
                    "%(count)d places are already booked; the stock cannot go below that.",
                    booked,
                )
                % {"count": booked},
            )
        return cleaned


class OfferDuplicateForm(forms.Form):
    """Where the copies of the selected offers go: a new first date or a shift, repeated."""

    UNITS = {"days": timedelta(days=1), "weeks": timedelta(weeks=1)}

    new_start = forms.SplitDateTimeField(
        required=False,
        widget=widgets.AdminSplitDateTime,
        label=_("New start of the earliest offer"),
        help_text=_("The other selected offers keep their spacing from it."),
    )
    shift = forms.IntegerField(
        required=False,
        min_value=1,
        # The horizon counted in the smaller unit: it keeps the step a valid
        # timedelta in either unit; the service then refuses copies past the horizon.
        max_value=OFFERS_DUPLICATE_HORIZON.days,
        label=_("…or shift by"),
        help_text=_("Leave empty to use a date."),
    )
    unit = forms.ChoiceField(
        label=_("unit"), choices=[("days", _("days")), ("weeks", _("weeks"))], initial="weeks"
    )
    copies = forms.IntegerField(
        min_value=1,
        max_value=OFFERS_DUPLICATE_MAX_COPIES,
        initial=1,
        label=_("copies"),
        help_text=_(
            "Each copy moves again by the same amount: 4 copies shifted by one week "
            "fill the next four weeks."
        ),
    )

    def __init__(self, *args, earliest_start=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest_start = earliest_start

    def clean(self):
        cleaned = super().clean()
        new_start, shift = cleaned.get("new_start"), cleaned.get("shift")
        if self.errors:
            return cleaned
        if (new_start is None) == (shift is None):
            raise forms.ValidationError(_("Give either a new start date or a shift, not both."))
        if new_start is not None:
            if self.earliest_start is None:
                raise forms.ValidationError(_("None of the selected offers has a date to move."))
            if new_start <= timezone.now():
                self.add_error("new_start", _("The new start must be in the future."))
            elif new_start <= self.earliest_start:
                self.add_error("new_start", _("The new start must come after the current one."))
        return cleaned

    def step(self) -> timedelta:
        """How far each copy moves from the previous one."""
        if self.cleaned_data["shift"] is not None:
            return self.cleaned_data["shift"] * self.UNITS[self.cleaned_data["unit"]]
        return self.cleaned_data["new_start"] - self.earliest_start
