"""Times the shopper pages against the database DATABASE_URL names.

Meant for a seeded marketplace (100k users, 20k offers, 1M bookings): prints,
for each page, the median and worst time over a few loads and its SQL queries.
It reads only, logging in as the shopper with the most bookings (sessions go
to the cache, so nothing is written).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/shopper_pages.py [--repeat 5]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Test settings serve static file names as they are (no collectstatic manifest needed).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from marketplace.models import Booking, Offer, User  # noqa: E402
from marketplace.selectors import offer_list_upcoming  # noqa: E402


def page_time(client: Client, url: str, repeat: int) -> tuple[list[float], int]:
    """Milliseconds of each load of `url`, and the queries of the last one."""
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"HTTP {response.status_code} at {url}")
    return timings, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    busiest = (
        User.objects.annotate(booking_count=Count("bookings")).order_by("-booking_count").first()
    )
    offer = offer_list_upcoming().first()
    if busiest is None or offer is None:
        sys.exit("Nothing to show: seed the database first (manage.py seed_demo).")
    home = reverse("marketplace:home")
    last_page = offer_list_upcoming().count() // 24 + 1
    visitor, shopper = Client(SERVER_NAME="127.0.0.1"), Client(SERVER_NAME="127.0.0.1")
    shopper.force_login(busiest)
    print(
        f"{User.objects.count():,} users, {Offer.objects.count():,} offers, "
        f"{Booking.objects.count():,} bookings on {connection.vendor}"
    )
    print(f"{'page':<40}{'median ms':>10}{'max ms':>9}{'queries':>9}")
    for name, client, url in [
        ("home", visitor, home),
        ("home ?category=live-music", visitor, f"{home}?category=live-music"),
        (f"home last page ({last_page})", visitor, f"{home}?page={last_page}"),
        ("offer page", visitor, reverse("marketplace:offer_detail", args=[offer.pk])),
        ("offer page, logged in", shopper, reverse("marketplace:offer_detail", args=[offer.pk])),
        (
            f"my bookings ({busiest.booking_count} bookings)",
            shopper,
            reverse("marketplace:my_bookings"),
        ),
        ("sign-up form", visitor, reverse("marketplace:signup")),
    ]:
        timings, queries = page_time(client, url, args.repeat)
        print(f"{name:<40}{statistics.median(timings):>10.0f}{max(timings):>9.0f}{queries:>9}")


if __name__ == "__main__":
    main()
