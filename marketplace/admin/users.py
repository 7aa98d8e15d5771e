"""Admin of the people with an account: shoppers and staff, identified by email (no username)."""

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from marketplace.admin.filters import HomeDepartementFilter
from marketplace.admin.links import changelist_link
from marketplace.models import User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


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
    readonly_fields = ["last_login", "date_joined", "booking_history"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (
            "Home",
            {"fields": ["home_postcode", "home_city", ("home_latitude", "home_longitude")]},
        ),
        (_("Newsletter"), {"fields": ["newsletter_consent", "newsletter_consent_at"]}),
        (
            "Permissions",
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
