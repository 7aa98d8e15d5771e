"""Read-only admin views of the stored metrics; they are written only by compute_metrics."""

from django.contrib import admin

from config.admin_dates import DateHierarchyAdmin
from metrics.models import DailyCategoryMetrics, DailyMetrics


class ReadOnlyAdmin(DateHierarchyAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DailyMetrics)
class DailyMetricsAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "bookings",
        "revenue",
        "month_multi_category_users",
        "month_active_users",
        "rolling_multi_category_users",
        "rolling_active_users",
        "newsletter_sent",
        "computed_at",
    ]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(DailyCategoryMetrics)
class DailyCategoryMetricsAdmin(ReadOnlyAdmin):
    list_display = ["date", "category", "bookings", "revenue"]
    list_filter = ["category"]
    list_select_related = ["category"]
    date_hierarchy = "date"
    ordering = ["-date", "category__position"]
