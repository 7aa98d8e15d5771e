"""The experiment page's choice of flag and period: a bad choice is a form error, not a 500."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.models import UserBucketFlag
from metrics.forms import MAX_RANGE_DAYS, range_length_validate


class ExperimentForm(forms.Form):
    flag = forms.ChoiceField(label=_("Flag"))
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = UserBucketFlag.objects.order_by("name").values_list("name", flat=True)
        self.fields["flag"].choices = [(name, name) for name in names]
        # The page's view caps the default start at the longest period one may ask for.
        self.fields["date_from"].help_text = gettext(
            "Left empty: since the flag was created, at most the %(days)d days up to the end."
        ) % {"days": MAX_RANGE_DAYS}

    @classmethod
    def from_query(cls, query) -> "ExperimentForm":
        """Bound to the query string, or to the first flag with no dates by default: since
        it was created, at most MAX_RANGE_DAYS days up to today."""
        if "flag" in query:
            return cls(query)
        first = UserBucketFlag.objects.order_by("name").values_list("name", flat=True).first()
        return cls({"flag": first} if first else None)

    def clean(self) -> dict:
        cleaned = super().clean()
        today = timezone.localdate()
        for name in ("date_from", "date_to"):
            if cleaned.get(name) and cleaned[name] > today:
                self.add_error(name, _("Choose dates up to today."))
        if self.errors:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        if date_from:
            # The report draws one timeline point per day, and ends today without an end date.
            range_length_validate(start=date_from, end=date_to or today)
        return cleaned
