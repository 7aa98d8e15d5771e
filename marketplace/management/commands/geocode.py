"""Geocode customers' homes and venues in Celery tasks, one chunk of ids per task."""

import sys

from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.exceptions import OperationalError as BrokerUnreachable
from tqdm import tqdm

from marketplace.geocoding import (
    USER_HOME,
    VENUE,
    GeocodedFields,
    GeocodingSummary,
    geocoder_from_settings,
    row_ids_to_geocode,
)
from marketplace.tasks import users_geocode_task, venues_geocode_task


class Command(BaseCommand):
    help = (
        "Geocode customers' home postcodes and venues with the GEOCODER_BACKEND geocoder, "
        "in Celery tasks (one per chunk of ids). Without --users or --venues, both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", action="store_true", help="geocode customers' homes")
        parser.add_argument("--venues", action="store_true", help="geocode venues")
        parser.add_argument(
            "--missing-only", action="store_true", help="only rows without coordinates"
        )
        parser.add_argument("--chunk-size", type=int, default=200)
        parser.add_argument(
            "--timeout",
            type=int,
            default=600,
            help="seconds to wait for each chunk before giving up (is a worker running?)",
        )

    def handle(self, *args, users: bool, venues: bool, missing_only: bool, **options) -> None:
        for name in ("chunk_size", "timeout"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        try:
            backend = type(geocoder_from_settings()).__name__
        except ValueError as error:
            raise CommandError(str(error)) from None
        kinds = [
            (USER_HOME, users_geocode_task, "users"),
            (VENUE, venues_geocode_task, "venues"),
        ]
        if users or venues:
            wanted = {"users": users, "venues": venues}
            kinds = [kind for kind in kinds if wanted[kind[2]]]
        self.stdout.write(f"Geocoding with {backend}.")
        for fields, task, label in kinds:
            summary = self.geocode(
                fields=fields,
                task=task,
                label=label,
                missing_only=missing_only,
                chunk_size=options["chunk_size"],
                timeout=options["timeout"],
            )
            self.stdout.write(
                f"{label}: {summary.located} located, {summary.not_found} not found "
                f"(coordinates cleared), {summary.failed} failed (left as they were)"
            )

    def geocode(
        self,
        *,
        fields: GeocodedFields,
        task,
        label: str,
        missing_only: bool,
        chunk_size: int,
        timeout: int,
    ) -> GeocodingSummary:
        ids = row_ids_to_geocode(fields=fields, missing_only=missing_only)
        chunks = [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]
        # Everything is queued first so that several workers share the chunks.
        try:
            results = [(task.delay(chunk), len(chunk)) for chunk in chunks]
        # The command waits on the results, so the result store must answer too; the
        # Redis one raises RuntimeError once its reconnection attempts are spent.
        except (BrokerUnreachable, RuntimeError) as error:
            message = " ".join(str(error).split())
            raise CommandError(
                f"Could not reach Celery's broker or result store ({message}). Chunks queued "
                "before the failure are geocoded when a worker takes them; run again once "
                "Redis answers (geocoding a row twice is harmless)."
            ) from None
        summary = GeocodingSummary()
        with tqdm(total=len(ids), desc=label, unit="row", file=sys.stderr) as progress:
            for result, size in results:
                try:
                    summary.add(GeocodingSummary(**result.get(timeout=timeout)))
                except CeleryTimeoutError:
                    raise CommandError(
                        f"A chunk of {label} took more than {timeout} s; is a Celery worker "
                        "running? Chunks already done are saved; rerun with --missing-only."
                    ) from None
                progress.update(size)
        return summary
