"""Forms of the shopper pages: they check the shape of the input; services apply the rules."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from marketplace.models import Category, User
from marketplace.selectors import category_list

# A booking from the site is for a person and their companions; it also keeps
# the quantity far inside the database column's range for unlimited offers.
PLACES_PER_BOOKING_MAX = 10


class CategoryFilterForm(forms.Form):
    """The homepage's category filter, read from `?category=<slug>`."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="All categories",
        error_messages={
            "invalid_choice": "There is no category “%(value)s”; here are all the offers instead."
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = category_list()

    def selected_category(self) -> Category | None:
        """The chosen category, or None for all (also when the slug is unknown)."""
        if self.is_valid():
            return self.cleaned_data["category"]
        return None


# The form accepts no more than the column stores, so an over-long address is a
# form error rather than a database error.
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=EMAIL_MAX_LENGTH,
        error_messages={
            "max_length": f"An email address has at most {EMAIL_MAX_LENGTH} characters.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="The same password, to rule out a typo.",
    )
    home_postcode = forms.RegexField(
        label="Home postcode",
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": "A French postcode has 5 digits, for example 69003."},
        help_text="We suggest offers near home. Five digits, for example 69003.",
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "inputmode": "numeric", "pattern": r"\d{5}"}
        ),
    )
    home_city = forms.CharField(
        label="City (optional)",
        required=False,
        max_length=100,
        help_text="Only needed when several communes share your postcode.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    newsletter_consent = forms.BooleanField(
        label="Send me a newsletter with offers picked for me (you can unsubscribe at any time).",
        required=False,
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            # Validated against a draft user so the similarity check sees the email.
            draft = User(email=cleaned.get("email", ""))
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
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class BookingForm(forms.Form):
    quantity = forms.IntegerField(
        label="Places",
        min_value=1,
        max_value=PLACES_PER_BOOKING_MAX,
        initial=1,
        help_text=f"Up to {PLACES_PER_BOOKING_MAX} places per booking.",
        error_messages={
            "min_value": "Book at least one place.",
            "max_value": f"At most {PLACES_PER_BOOKING_MAX} places per booking.",
        },
    )
