"""The booking history for staff: searchable and filterable, and strictly read-only.

Bookings move stock and money, so they change only through the booking
services (which lock the offer row); nobody edits them by hand, superusers included.
"""

from django.contrib import admin

from marketplace.models import Booking


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "offer", "quantity", "amount", "status", "cancelled_at"]
    list_select_related = ["user", "offer"]
    list_filter = ["status", "offer__category"]
    search_fields = ["user__email", "offer__title"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "offer"]
    # A million rows: counting them twice per page view costs more than it tells.
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
