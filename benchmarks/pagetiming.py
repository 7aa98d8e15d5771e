"""Timing of Django pages for the page benchmarks: median and worst load time, SQL queries.

Import it after `django.setup()`.
"""

import statistics
import sys
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from marketplace.models import Booking, Offer, User


def marketplace_summary() -> str:
    return (
        f"{User.objects.count():,} users, {Offer.objects.count():,} offers, "
        f"{Booking.objects.count():,} bookings on {connection.vendor}"
    )


def pages_report(pages: list[tuple[str, Client, str]], *, repeat: int, width: int = 40) -> None:
    """Load each (name, client, url) `repeat` times; print a line of figures per page.

    Exits with the page's name when it does not answer 200, so a broken page
    is never reported as a fast one.
    """
    print(f"{'page':<{width}}{'median ms':>10}{'max ms':>9}{'queries':>9}")
    for name, client, url in pages:
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                sys.exit(f"{name}: HTTP {response.status_code} at {url}")
        print(
            f"{name:<{width}}{statistics.median(timings):>10.0f}{max(timings):>9.0f}"
            f"{len(queries):>9}"
        )
