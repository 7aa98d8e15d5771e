"""Stored times written for a reader: in the site's time zone, not in UTC.

Datetimes are stored in UTC; formatted directly, they put a Paris reader 1 to 2 hours
early and, near midnight, on the wrong day. Every app's admin, dashboard and recorded
reasons write them through these two, so that a time reads the same everywhere.
"""

from datetime import datetime

from django.utils import timezone


def local_minute(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def local_day(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}"
