"""The booking history for staff: searchable and filterable, and strictly read-only.

Bookings move stock and money, so they change only through the booking
services (which lock the offer row); nobody edits them by hand, superusers included.
The page is built for a million rows: no per-row query, no full count, a
search through id lists rather than joins, and a cheap date hierarchy.
"""

from datetime import datetime, timedelta

from django.contrib import admin
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.admin_dates import DateHierarchyAdmin
from marketplace.admin.pagination import EstimatedCountPaginator
from marketplace.models import Booking, Offer, User


class DateRangeQuerySet(QuerySet):
    """A queryset whose day/month/year `datetimes()` come from its first and last dates.

    The admin's date hierarchy asks for the distinct months (or days, years)
    that hold a row: on a million bookings that DISTINCT scans the whole table
    (about a second). Min and max come from the index instead, and bookings
    happen every day, so every month between them is a month with bookings.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind not in {"year", "month", "day"}:
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = (timezone.localtime(bounds[key], tzinfo) for key in ("first", "last"))
        steps = []
        current = first.replace(hour=0, minute=0, second=0, microsecond=0)
        if kind in {"year", "month"}:
            current = current.replace(day=1)
        if kind == "year":
            current = current.replace(month=1)
        while current <= last:
            steps.append(current)
            current = next_step(current, kind)
        return steps if order == "ASC" else steps[::-1]


def next_step(moment: datetime, kind: str) -> datetime:
    """The start of the next day, month or year after `moment` (a start of one), same zone."""
    if kind == "day":
        following = (moment.replace(tzinfo=None) + timedelta(days=1)).date()
        return timezone.make_aware(datetime(following.year, following.month, following.day))
    if kind == "month":
        year, month = divmod(moment.month, 12)
        return moment.replace(year=moment.year + year, month=month + 1)
    return moment.replace(year=moment.year + 1)


def user_ids_with_email(email: str) -> list[int]:
    """The account with this address: by the unique index first, by a scan if case differs."""
    exact = User.objects.filter(email=User.objects.normalize_email(email))
    return list(exact.values_list("pk", flat=True)) or list(
        User.objects.filter(email__iexact=email).values_list("pk", flat=True)
    )


@admin.register(Booking)
class BookingAdmin(DateHierarchyAdmin):
    list_display = ["created_at", "user", "offer", "quantity", "amount", "status", "cancelled_at"]
    list_select_related = ["user", "offer"]
    list_filter = ["status", "offer__category"]
    search_fields = ["user__email", "offer__title"]
    search_help_text = _(
        "A full email address finds that shopper; other words search emails and titles."
    )
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "offer"]
    # A million rows: counting them twice per page view costs more than it tells.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return DateRangeQuerySet(model=queryset.model, query=queryset.query, using=queryset.db)

    def get_search_results(self, request, queryset, search_term):
        """Find the shoppers and offers first, then their bookings through the indexed keys.

        Django's default ORs the lookups across the joined tables, which
        defeats every index (seconds on a million bookings); lists of ids let
        PostgreSQL use the foreign-key indexes instead.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.filter(user__in=user_ids_with_email(term)), False
        user_ids = User.objects.filter(email__icontains=term).values_list("pk", flat=True)
        offer_ids = Offer.objects.filter(title__icontains=term).values_list("pk", flat=True)
        matching = Q(user__in=list(user_ids)) | Q(offer__in=list(offer_ids))
        return queryset.filter(matching), False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
