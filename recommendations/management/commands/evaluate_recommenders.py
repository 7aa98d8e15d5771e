"""Offline evaluation of the recommendation strategies on the live bookings or a CSV log."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.command_options import int_option
from recommendations.evaluation.csvlog import MalformedLogError, interactions_read_csv
from recommendations.evaluation.run import BASELINES, recommenders_evaluate, report_table
from recommendations.interaction_log import bookable_catalogue, interactions_from_database
from recommendations.management.arguments import LIST_LENGTH_MAX
from recommendations.pipeline.scoring import SCORERS, scorer_spec
from recommendations.pipeline.splits import SPLIT_KINDS, USER_TIME


class Command(BaseCommand):
    help = (
        "Evaluate recommendation strategies offline on a temporal split (full ranking, "
        "hyper-parameters tuned on a validation split of the training data). ADR 0020."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interactions", type=Path, help="CSV log (default: live bookings).")
        parser.add_argument("--k", type=int, default=10, help=f"1 to {LIST_LENGTH_MAX}")
        parser.add_argument("--test-fraction", type=float, default=0.2)
        parser.add_argument("--split", choices=SPLIT_KINDS, default=USER_TIME)
        parser.add_argument("--strategies", default=",".join(BASELINES))
        parser.add_argument(
            "--users",
            type=int,
            help="Evaluate this many of the eligible users, drawn at random (seed 0); "
            "training and tuning still read every interaction (default: all).",
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args, **options):
        k = int_option(options["k"], option="--k", low=1, high=LIST_LENGTH_MAX)
        fraction = options["test_fraction"]
        if not 0 < fraction < 1:
            raise CommandError("--test-fraction must be between 0 and 1 (exclusive).")
        if options["users"] is not None and options["users"] < 1:
            raise CommandError("--users must be at least 1.")
        scorer_spec(BASELINES[0])  # registers the scorers
        strategies = [name.strip() for name in options["strategies"].split(",") if name.strip()]
        unknown = [name for name in strategies if name not in SCORERS]
        if unknown or not strategies:
            known = ", ".join(sorted(SCORERS))
            raise CommandError(f"Unknown strategy {', '.join(unknown)!r}; choose among: {known}.")
        path = options["interactions"]
        if path is None:
            interactions = interactions_from_database()

            def catalogue_at(now):
                return bookable_catalogue(interactions=interactions, at=now)
        else:
            try:
                interactions = interactions_read_csv(path, progress=True)
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror or error}.") from None
            except UnicodeDecodeError:
                raise CommandError(f"{path}: not a UTF-8 text file.") from None
            except MalformedLogError as error:
                raise CommandError(f"{path}: {error}") from None
            catalogue_at = None
        if len(interactions) == 0:
            raise CommandError("No interaction to evaluate.")
        document, notes = recommenders_evaluate(
            interactions=interactions,
            kind=options["split"],
            test_fraction=fraction,
            k=k,
            strategies=strategies,
            catalogue_at=catalogue_at,
            max_users=options["users"],
            progress=True,
        )
        for note in notes:
            self.stderr.write(note)
        self.stdout.write(json.dumps(document) if options["json"] else report_table(document))
