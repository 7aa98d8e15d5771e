"""`manage.py seed_demo`: a realistic demo marketplace from French open data."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.command_options import SEED_MAX, date_option, int_option, seed_option
from marketplace.demo.clock import EPOCH
from marketplace.demo.database import ResetRefused, marketplace_has_data
from marketplace.demo.seed import DemoDataExists, default_bookings, demo_marketplace_seed

# Ten times the largest seed measured (100,000 users, 20,000 offers and 1,000,000
# bookings: 29 s on PostgreSQL); more is a typo, and runs out of memory long before
# the calendar or numpy's integers run out.
MAX_USERS = 1_000_000
MAX_OFFERS = 200_000
MAX_BOOKINGS = 10_000_000
# Ten years of history. With --today from EPOCH (the demo clock's day 0) to a year
# ahead, every date the seed draws (history, publications, events to come) stays far
# inside the calendar, whose ends the unbounded options used to cross.
MAX_MONTHS = 120
TODAY_AHEAD = timedelta(days=366)


class Command(BaseCommand):
    help = (
        "Fill the marketplace with demo venues (real museums, cinemas, festivals), offers, "
        "users and bookings. Refuses a database holding marketplace data unless --reset "
        "(which deletes bookings, offers, venues and non-staff users; staff accounts stay)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=2_000, help=f"1 to {MAX_USERS}")
        parser.add_argument(
            "--offers",
            type=int,
            default=1_500,
            help=f"16 (one of each kind of offer) to {MAX_OFFERS}",
        )
        parser.add_argument(
            "--months", type=int, default=6, help=f"Months of booking history (1 to {MAX_MONTHS})."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=f"Same seed, same data (0 to {SEED_MAX})."
        )
        parser.add_argument(
            "--bookings",
            type=int,
            default=None,
            help=f"Bookings to aim for, at most {MAX_BOOKINGS} (default: about 10 a user per "
            "6 months).",
        )
        parser.add_argument(
            "--today",
            default=None,
            help=f"Build the marketplace as of this date (YYYY-MM-DD, from {EPOCH} to a year "
            "from now; default: today).",
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
        users = int_option(options["users"], option="--users", low=1, high=MAX_USERS)
        offers = int_option(options["offers"], option="--offers", low=16, high=MAX_OFFERS)
        months = int_option(options["months"], option="--months", low=1, high=MAX_MONTHS)
        seed = seed_option(options["seed"])
        bookings = options["bookings"]
        if bookings is not None:
            int_option(bookings, option="--bookings", low=0, high=MAX_BOOKINGS)
        elif (aimed := default_bookings(users=users, months=months)) > MAX_BOOKINGS:
            raise CommandError(
                f"--users {users} over --months {months} aim at {aimed} bookings, more than "
                f"{MAX_BOOKINGS}: give fewer users or months, or --bookings."
            )
        today = None
        if options["today"] is not None:
            latest = timezone.localdate() + TODAY_AHEAD
            today = date_option(options["today"], option="--today", earliest=EPOCH, latest=latest)
        try:
            report = demo_marketplace_seed(
                users=users,
                offers=offers,
                months=months,
                seed=seed,
                bookings=bookings,
                today=today,
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
