"""Forms of the shopper pages: they check the shape of the input; services apply the rules."""

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.models import Category, User
from marketplace.search import (
    PRICE_FREE,
    PRICE_UNDER,
    WHEN_DATE,
    WHEN_TODAY,
    WHEN_WEEK,
    WHEN_WEEKEND,
    Near,
    OfferSearch,
)
from marketplace.selectors import category_list, user_email_taken
from marketplace.services import OFFERS_DUPLICATE_HORIZON, USER_EMAIL_TAKEN

# A booking from the site is for a person and their companions; it also keeps
# the quantity far inside the database column's range for unlimited offers.
PLACES_PER_BOOKING_MAX = 10
RADIUS_CHOICES_KM = (5, 10, 25, 50, 100)
# A searched date runs from today to as far ahead as offers are planned: a day
# before has nothing left to book, and the calendar's ends are where date
# arithmetic overflows (9999-12-31 was a server error).
SEARCH_DATE_HORIZON = OFFERS_DUPLICATE_HORIZON


class OfferSearchForm(forms.Form):
    """The homepage's search box and filters, read from the query string so that a
    search is a link. An invalid part is reported and left out, never a dead end."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[
            ("", pgettext_lazy("when", "Any time")),
            (WHEN_TODAY, _("Today")),
            (WHEN_WEEKEND, _("This weekend")),
            (WHEN_WEEK, _("This week")),
            (WHEN_DATE, _("On a date")),
        ],
    )
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    radius = forms.TypedChoiceField(
        label=_("Near my home"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    price = forms.ChoiceField(
        label=_("Price"),
        required=False,
        choices=[("", _("Any price")), (PRICE_FREE, _("Free")), (PRICE_UNDER, _("Up to…"))],
    )
    price_max = forms.DecimalField(
        label=_("Maximum price (€)"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label=_("All categories"),
        error_messages={
            "invalid_choice": _(
                "There is no category “%(value)s”; here are all the offers instead."
            )
        },
    )

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list()
        self.home = user if user is not None and user.has_home_coordinates else None
        if self.home is None:
            # "Near my home" means nothing without a known home.
            del self.fields["radius"]
        else:
            self.fields["radius"].choices = [("", _("Anywhere"))] + [
                (km, _("Within %(km)s km") % {"km": km}) for km in RADIUS_CHOICES_KM
            ]
        self.first_date = timezone.localdate()
        self.last_date = self.first_date + SEARCH_DATE_HORIZON
        self.fields["date"].widget.attrs.update(
            min=self.first_date.isoformat(), max=self.last_date.isoformat()
        )

    def clean_date(self) -> datetime.date | None:
        day = self.cleaned_data["date"]
        if day is not None and not self.first_date <= day <= self.last_date:
            raise forms.ValidationError(
                _("Choose a date between today and %(last)s.")
                % {"last": date_format(self.last_date, "DATE_FORMAT")}
            )
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        # Asked for only when the field was left empty: a wrong value has its own error.
        if cleaned.get("when") == WHEN_DATE and self.left_empty("date"):
            self.add_error("date", _("Choose the date."))
        if cleaned.get("price") == PRICE_UNDER and self.left_empty("price_max"):
            self.add_error("price_max", _("Give the maximum price."))
        return cleaned

    def left_empty(self, name: str) -> bool:
        return name not in self.errors and self.cleaned_data.get(name) is None

    def search(self) -> OfferSearch:
        """The valid parts of the query, as the catalogue's search criteria."""
        self.is_valid()
        data = self.cleaned_data
        radius = data.get("radius")
        category = data.get("category")
        return OfferSearch(
            text=data.get("q") or "",
            when=data.get("when") or "",
            on_date=data.get("date"),
            near=Near(self.home.home_latitude, self.home.home_longitude, radius)
            if self.home and radius
            else None,
            city=data.get("city") or "",
            price=data.get("price") or "",
            price_max=data.get("price_max"),
            category_slug=category.slug if category else "",
        )

    def selected_category(self) -> Category | None:
        self.is_valid()
        return self.cleaned_data.get("category")


# The form accepts no more than the column stores, so an over-long address is a
# form error rather than a database error.
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "max_length": format_lazy(
                _("An email address has at most {max_length} characters."),
                max_length=EMAIL_MAX_LENGTH,
            ),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The same password, to rule out a typo."),
    )
    home_postcode = forms.RegexField(
        label=_("Home postcode"),
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": _("A French postcode has 5 digits, for example 69003.")},
        help_text=_("We suggest offers near home. Five digits, for example 69003."),
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "numeric", "pattern": r"\d{5}"}
        ),
    )
    home_city = forms.CharField(
        label=_("City (optional)"),
        required=False,
        max_length=100,
        help_text=_("Only needed when several communes share your postcode."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    newsletter_consent = forms.BooleanField(
        label=_(
            "Send me a newsletter with offers picked for me (you can unsubscribe at any time)."
        ),
        required=False,
    )

    def clean_email(self) -> str:
        # Checked here as well as by the service, so that a taken address is
        # reported together with the other errors, not after them.
        email = self.cleaned_data["email"]
        if user_email_taken(email=email):
            raise forms.ValidationError(USER_EMAIL_TAKEN)
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        if password1:
            # Validated against a draft user so the similarity check sees the email,
            # and whatever else is wrong, so that every error shows at once.
            draft = User(email=cleaned.get("email") or self.data.get("email", ""))
            try:
                password_validation.validate_password(password1, user=draft)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def registration(self) -> dict:
        """The keyword arguments of `marketplace.services.user_register`."""
        data = self.cleaned_data
        return {
            "email": data["email"],
            "password": data["password1"],
            "home_postcode": data["home_postcode"],
            "home_city": data["home_city"],
            "newsletter_consent": data["newsletter_consent"],
        }


class EmailAuthenticationForm(AuthenticationForm):
    """Django's log-in form with an email input, since accounts are keyed by email."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    # Django's message fits a username (in French it made the email masculine) and
    # warns that both fields may be case-sensitive; the email is not.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email address or password."),
    }


class BookingForm(forms.Form):
    quantity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=PLACES_PER_BOOKING_MAX,
        initial=1,
        error_messages={
            "min_value": _("Book at least one place."),
            "max_value": _("At most %(limit_value)s places per booking."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"].help_text = _("Up to %(max)s places per booking.") % {
            "max": PLACES_PER_BOOKING_MAX
        }
