"""Admin of the catalogue: categories, venues and offers, with the offers' bulk actions."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, QuerySet
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin_dates import DateHierarchyAdmin
from marketplace.admin.filters import (
    DepartementFilter,
    HasCoordinatesFilter,
    OfferFormatFilter,
    OfferTimingFilter,
    VenueDepartementFilter,
)
from marketplace.admin.forms import OfferAdminForm, OfferDuplicateForm
from marketplace.admin.links import changelist_link
from marketplace.models import Booking, Category, Offer, Venue
from marketplace.services import offers_duplicate, offers_set_active

# The booking history shown on an offer's page; the full list is one click away.
OFFER_PAGE_BOOKINGS = 20


def selected_ids(queryset: QuerySet) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_digital", "position", "offer_count"]
    list_editable = ["position"]
    list_filter = ["is_digital"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(offer_count=Count("offers"))

    @admin.display(description=_("offers"), ordering="offer_count")
    def offer_count(self, category: Category) -> int:
        return category.offer_count


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "postcode", "has_coordinates", "offers"]
    list_filter = ["kind", HasCoordinatesFilter, DepartementFilter]
    search_fields = ["name", "city", "postcode"]
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["name", "kind"]}),
        (_("Address"), {"fields": ["address", "postcode", "city", ("latitude", "longitude")]}),
        (_("Source"), {"fields": ["external_ref"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("offers"))
    def offers(self, venue: Venue) -> str:
        return changelist_link(model_name="offer", field="venue", pk=venue.pk, text=_("Offers"))

    @admin.display(description=_("located"), boolean=True)
    def has_coordinates(self, venue: Venue) -> bool:
        return venue.latitude is not None and venue.longitude is not None


class BookingHistoryFormSet(BaseInlineFormSet):
    """The offer's newest bookings only: a popular offer has thousands."""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[:OFFER_PAGE_BOOKINGS]
        return self._queryset


class BookingHistoryInline(admin.TabularInline):
    """The offer's latest bookings, read-only: bookings change through the booking services."""

    model = Booking
    formset = BookingHistoryFormSet
    fields = ["created_at", "user", "quantity", "amount", "status", "cancelled_at"]
    readonly_fields = fields
    ordering = ["-created_at"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = format_lazy(
        _("latest bookings (newest {count})"), count=OFFER_PAGE_BOOKINGS
    )

    def get_queryset(self, request):
        # Each row is titled with the booking's str(), which names its user and offer.
        return super().get_queryset(request).select_related("user", "offer")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(DateHierarchyAdmin):
    form = OfferAdminForm
    list_display = [
        "title",
        "category",
        "venue_name",
        "venue_city",
        "starts_at",
        "price",
        "stock",
        "booked",
        "remaining",
        "is_active",
    ]
    list_select_related = ["category", "venue"]
    list_filter = [
        OfferTimingFilter,
        "is_active",
        "category",
        OfferFormatFilter,
        "venue__kind",
        VenueDepartementFilter,
    ]
    search_fields = ["title", "venue__name", "venue__city"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["venue"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["activate", "deactivate", "duplicate"]
    readonly_fields = [
        "booked_quantity",
        "remaining",
        "booking_history",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "description", "category"]}),
        (_("Where"), {"fields": ["venue", "url"]}),
        (_("When"), {"fields": ["starts_at", "ends_at"]}),
        (_("Price and places"), {"fields": ["price", "stock", "booked_quantity", "remaining"]}),
        (_("Publication"), {"fields": ["is_active", "created_at", "updated_at"]}),
        (_("Bookings"), {"fields": ["booking_history"]}),
    ]
    inlines = [BookingHistoryInline]

    def get_object(self, request, object_id, from_field=None):
        """On save, lock the offer row until the admin's transaction commits.

        The form checks the stock against the booked places read here under the
        lock, so no concurrent booking changes them before the save writes the row.
        """
        offer = super().get_object(request, object_id, from_field)
        if offer is not None and request.method == "POST":
            locked = Offer.objects.select_for_update().filter(pk=offer.pk)
            offer.booked_quantity = locked.values_list("booked_quantity", flat=True).get()
        return offer

    @admin.display(description=_("venue"), ordering="venue__name")
    def venue_name(self, offer: Offer) -> str:
        return offer.venue.name if offer.venue else _("(digital)")

    @admin.display(description=_("city"), ordering="venue__city")
    def venue_city(self, offer: Offer) -> str | None:
        return offer.venue.city if offer.venue else None

    @admin.display(description=_("booked"), ordering="booked_quantity")
    def booked(self, offer: Offer) -> int:
        return offer.booked_quantity

    @admin.display(description=_("remaining"))
    def remaining(self, offer: Offer) -> str:
        return _("unlimited") if offer.stock is None else str(offer.remaining_stock)

    @admin.display(description=_("history"))
    def booking_history(self, offer: Offer) -> str | None:
        if offer.pk is None:
            return None
        return changelist_link(
            model_name="booking", field="offer", pk=offer.pk, text=_("All bookings of this offer")
        )

    @admin.action(description=_("Activate selected offers"), permissions=["change"])
    def activate(self, request, queryset: QuerySet[Offer]) -> None:
        changed = offers_set_active(offer_ids=selected_ids(queryset), is_active=True)
        self.message_user(
            request,
            ngettext("%(count)d offer activated.", "%(count)d offers activated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Deactivate selected offers"), permissions=["change"])
    def deactivate(self, request, queryset: QuerySet[Offer]) -> None:
        changed = offers_set_active(offer_ids=selected_ids(queryset), is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d offer deactivated.", "%(count)d offers deactivated.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Duplicate selected offers to new dates…"), permissions=["add"])
    def duplicate(self, request, queryset: QuerySet[Offer]):
        """Ask where the copies go (an intermediate page), then create them."""
        offer_ids = selected_ids(queryset)
        earliest_start = queryset.aggregate(earliest=Min("starts_at"))["earliest"]
        form = OfferDuplicateForm(
            request.POST if "apply" in request.POST else None, earliest_start=earliest_start
        )
        if form.is_valid():
            try:
                copies = offers_duplicate(
                    offer_ids=offer_ids, shift=form.step(), copies=form.cleaned_data["copies"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d copy created from the selected offers.",
                        "%(count)d copies created from the selected offers.",
                        len(copies),
                    )
                    % {"count": len(copies)},
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Duplicate offers to new dates"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "offers": queryset.select_related("venue").order_by("starts_at", "pk")[:100],
            "offer_count": len(offer_ids),
            "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across") == "1",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/marketplace/offer/duplicate.html", context)
