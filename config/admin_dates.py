"""The admin's date drill-down, refusing periods past the calendar's end.

Django's changelist computes the end of a drilled-down period (the next year, month
or day) without guarding against `date.max`, so a hand-typed `?starts_at__year=9999`
answered 500. Such a period is refused as the admin refuses any bad lookup: a
redirect to the list with `?e=1`.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


class BoundedDateHierarchyChangeList(ChangeList):
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyAdmin(admin.ModelAdmin):
    """A ModelAdmin whose `date_hierarchy` drill-down refuses periods past year 9999."""

    def get_changelist(self, request, **kwargs):
        return BoundedDateHierarchyChangeList
