"""Times the staff admin's heaviest pages against the database DATABASE_URL names.

Meant for a seeded marketplace (100k users, 20k offers, 1M bookings): prints,
for each page, the median and worst time over a few loads and its SQL queries.
It logs in as the seeded staff account (a temporary one if there is none);
sessions go to the cache.

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/admin_pages.py [--repeat 5]
"""

import argparse
import os
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Test settings serve static file names as they are (no collectstatic manifest needed).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from benchmarks.pagetiming import marketplace_summary, pages_report  # noqa: E402
from marketplace.models import Booking, Offer, User  # noqa: E402

BENCHMARK_EMAIL = "admin-benchmark@example.invalid"


def pages() -> list[tuple[str, str]]:
    offer = Offer.objects.order_by("-booked_quantity").first()
    booking = Booking.objects.order_by("-pk").first()
    email = Booking.objects.select_related("user").order_by("pk").first().user.email
    offers = reverse("admin:marketplace_offer_changelist")
    bookings = reverse("admin:marketplace_booking_changelist")
    users = reverse("admin:marketplace_user_changelist")
    return [
        ("offers", offers),
        ("offers upcoming, active", f"{offers}?when=upcoming&is_active__exact=1"),
        ("offers past, département 69", f"{offers}?when=past&departement=69"),
        ("offers search 'festival'", f"{offers}?q=festival"),
        ("offer page (most booked)", reverse("admin:marketplace_offer_change", args=[offer.pk])),
        ("bookings", bookings),
        ("bookings cancelled", f"{bookings}?status__exact=cancelled"),
        ("bookings search by email", f"{bookings}?q={email}"),
        ("bookings of one offer", f"{bookings}?offer__id__exact={offer.pk}"),
        ("booking page", reverse("admin:marketplace_booking_change", args=[booking.pk])),
        ("users", users),
        ("users département 75", f"{users}?departement=75"),
        ("venues", reverse("admin:marketplace_venue_changelist")),
        ("categories", reverse("admin:marketplace_category_changelist")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not Booking.objects.exists():
        sys.exit("No bookings: seed the database first (manage.py seed_demo).")
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # The seeded staff account when there is one; otherwise a temporary one.
    staff = User.objects.filter(is_staff=True, is_superuser=True).first()
    temporary = staff is None
    if temporary:
        staff = User.objects.create_superuser(email=BENCHMARK_EMAIL, password=None)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(staff)
    print(marketplace_summary())
    try:
        pages_report([(name, client, url) for name, url in pages()], repeat=args.repeat, width=32)
    finally:
        if temporary:
            staff.delete()


if __name__ == "__main__":
    main()
