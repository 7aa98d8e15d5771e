"""The dashboard's date range: validated, so a bad or reversed range is a form error, not a 500."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_RANGE_DAYS = 90
# Two years keeps each chart under about 500 kB of SVG (ADR 0008).
MAX_RANGE_DAYS = 731


def default_range() -> tuple[date, date]:
    """The 90 days ending today: the days `bin/demo`'s backfill computes, so a fresh demo
    shows no gap (today's figures are partial until the nightly run recomputes them)."""
    today = timezone.localdate()
    return today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("Start"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("End"), widget=forms.DateInput(attrs={"type": "date"}))

    @classmethod
    def from_query(cls, query) -> "DateRangeForm":
        """Bound to the query string, or to the default range when it names no date."""
        if "start" in query or "end" in query:
            return cls(query)
        start, end = default_range()
        return cls({"start": start.isoformat(), "end": end.isoformat()})

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must be on or before the end date."))
            range_length_validate(start=start, end=end)
        return cleaned


def range_length_validate(*, start: date, end: date) -> None:
    """Refuse a range of more than MAX_RANGE_DAYS days, `start` and `end` included."""
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise forms.ValidationError(
            _("Choose a range of at most %(days)d days.") % {"days": MAX_RANGE_DAYS}
        )
