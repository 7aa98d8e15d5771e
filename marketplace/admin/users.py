"""Admin of the people with an account: shoppers and staff, identified by email (no username)."""

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.admin.filters import HomeDepartementFilter
from marketplace.admin.links import changelist_link
from marketplace.models import User
from marketplace.selectors import user_email_taken
from marketplace.services import home_place_locate, user_home_set, user_newsletter_consent_set

HOME_FIELDS = ("home_postcode", "home_city")
# Written by services, which keep what depends on them in step (coordinates,
# the consent date, the newsletter's unsubscription record).
FIELDS_WRITTEN_BY_SERVICES = {*HOME_FIELDS, "newsletter_consent"}


class OneAccountPerEmail:
    """Refuses an address another account uses, whatever its case, as a field error
    (the database's constraint would refuse it too, less readably)."""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if user_email_taken(email=email, other_than=self.instance):
            raise ValidationError(_("An account already uses this email address."))
        return email


class UserCreationForm(OneAccountPerEmail, auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserChangeForm(OneAccountPerEmail, auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean(self) -> dict:
        cleaned = super().clean()
        if any(name in self.changed_data for name in HOME_FIELDS) and "home_postcode" in cleaned:
            try:
                home_place_locate(
                    postcode=cleaned["home_postcode"], city=cleaned.get("home_city", "")
                )
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = [
        "email",
        "home_city",
        "home_postcode",
        "newsletter_consent",
        "is_staff",
        "date_joined",
    ]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        "newsletter_consent",
        HomeDepartementFilter,
    ]
    search_fields = ["email", "home_city", "home_postcode"]
    ordering = ["email"]
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = [
        "last_login",
        "date_joined",
        "booking_history",
        "home_latitude",
        "home_longitude",
        "newsletter_consent_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (
            # Not the admin's own "Home" (its breadcrumb): the shopper's home address.
            pgettext_lazy("home address", "Home"),
            {"fields": ["home_postcode", "home_city", ("home_latitude", "home_longitude")]},
        ),
        (_("Newsletter"), {"fields": ["newsletter_consent", "newsletter_consent_at"]}),
        (
            _("Permissions"),
            {
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                "classes": ["collapse"],
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Bookings"), {"fields": ["booking_history"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "usable_password", "password1", "password2"],
            },
        ),
    ]

    @admin.display(description=_("history"))
    def booking_history(self, user: User) -> str:
        return changelist_link(
            model_name="booking", field="user", pk=user.pk, text=_("All bookings of this person")
        )

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        """Plain fields are saved as edited; home and consent go through their services."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        concrete = {field.name for field in User._meta.concrete_fields}
        plain = [
            name
            for name in form.changed_data
            if name in concrete and name not in FIELDS_WRITTEN_BY_SERVICES
        ]
        if plain:
            obj.save(update_fields=plain)
        if any(name in form.changed_data for name in HOME_FIELDS):
            user_home_set(
                user=obj,
                postcode=form.cleaned_data["home_postcode"],
                city=form.cleaned_data["home_city"],
            )
        if "newsletter_consent" in form.changed_data:
            self.newsletter_consent_change(
                user=obj, consent=form.cleaned_data["newsletter_consent"]
            )

    def newsletter_consent_change(self, *, user: User, consent: bool) -> None:
        """Give or withdraw consent; the newsletter's admin extends it to record unsubscriptions."""
        user_newsletter_consent_set(user=user, consent=consent)
