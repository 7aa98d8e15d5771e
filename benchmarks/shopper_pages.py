"""Times the shopper pages against the database DATABASE_URL names.

Meant for a seeded marketplace (100k users, 20k offers, 1M bookings): prints,
for each page, the median and worst time over a few loads and its SQL queries.
It reads only, logging in as the shopper with the most bookings (sessions go
to the cache, so nothing is written).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/shopper_pages.py [--repeat 5]
"""

import argparse
import math
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Test settings serve static file names as they are (no collectstatic manifest needed).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks.pagetiming import marketplace_summary, pages_report  # noqa: E402
from marketplace.models import User  # noqa: E402
from marketplace.search import OfferSearch, offer_search  # noqa: E402
from storefront.views import OFFERS_PER_PAGE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    busiest = (
        User.objects.annotate(booking_count=Count("bookings")).order_by("-booking_count").first()
    )
    offer = offer_search(search=OfferSearch()).first()
    if busiest is None or offer is None:
        sys.exit("Nothing to show: seed the database first (manage.py seed_demo).")
    home = reverse("storefront:home")
    last_page = max(1, math.ceil(offer_search(search=OfferSearch()).count() / OFFERS_PER_PAGE))
    visitor, shopper = Client(SERVER_NAME="127.0.0.1"), Client(SERVER_NAME="127.0.0.1")
    shopper.force_login(busiest)
    print(marketplace_summary())
    offer_page = reverse("storefront:offer_detail", args=[offer.pk])
    pages_report(
        [
            ("home", visitor, home),
            ("home ?category=live-music", visitor, f"{home}?category=live-music"),
            ("home ?q=concert&when=weekend", visitor, f"{home}?q=concert&when=weekend"),
            (f"home last page ({last_page})", visitor, f"{home}?page={last_page}"),
            ("offer page", visitor, offer_page),
            ("offer page, logged in", shopper, offer_page),
            (
                f"my bookings ({busiest.booking_count} bookings)",
                shopper,
                reverse("storefront:my_bookings"),
            ),
            ("sign-up form", visitor, reverse("storefront:signup")),
        ],
        repeat=args.repeat,
    )


if __name__ == "__main__":
    main()
