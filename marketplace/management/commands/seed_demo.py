"""`manage.py seed_demo`: a realistic demo marketplace from French open data."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.demo.database import ResetRefused, marketplace_has_data
from marketplace.demo.seed import DemoDataExists, demo_marketplace_seed


class Command(BaseCommand):
    help = (
        "Fill the marketplace with demo venues (real museums, cinemas, festivals), offers, "
        "users and bookings. Refuses a database holding marketplace data unless --reset "
        "(which deletes bookings, offers, venues and non-staff users; staff accounts stay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=2_000)
        parser.add_argument("--offers", type=int, default=1_500)
        parser.add_argument("--months", type=int, default=6, help="Months of booking history.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--bookings",
            type=int,
            default=None,
            help="Bookings to aim for (default: about 10 a user per 6 months).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Build the marketplace as of this date (YYYY-MM-DD; default: today).",
        )
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument(
            "--reset", action="store_true", help="Delete the marketplace data first."
        )
        choice.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when marketplace data exists.",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and marketplace_has_data():
            self.stdout.write("Marketplace data already present; demo data not seeded.")
            return
        for name in ("users", "offers", "months"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["offers"] < 16:
            raise CommandError("--offers must be at least 16 (one of each kind of offer).")
        if options["bookings"] is not None and options["bookings"] < 0:
            raise CommandError("--bookings must not be negative.")
        try:
            report = demo_marketplace_seed(
                users=options["users"],
                offers=options["offers"],
                months=options["months"],
                seed=options["seed"],
                bookings=options["bookings"],
                today=options["today"],
                reset=options["reset"],
                progress=options["verbosity"] > 0,
            )
        except (DemoDataExists, ResetRefused, LookupError) as error:
            raise CommandError(str(error)) from None
        if report.deleted:
            deleted = ", ".join(f"{count} {name}" for name, count in report.deleted.items())
            self.stdout.write(f"Deleted {deleted}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.venues} venues, {report.offers} offers, {report.users} users "
                f"and {report.bookings} bookings in {report.seconds:.1f} s."
            )
        )
        if report.bookings < report.target_bookings:
            self.stdout.write(
                f"({report.target_bookings - report.bookings} bookings short of the "
                f"{report.target_bookings} aimed for: offers near some people were full.)"
            )
        self.stdout.write(f"Demo shopper: {report.shopper_email} / {report.password}")
        self.stdout.write(f"Staff (admin): {report.staff_email} / {report.password}")
