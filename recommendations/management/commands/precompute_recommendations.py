"""Compute and store every user's recommendation list, here or on the Celery workers."""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from config.command_options import int_option
from recommendations.cache import CACHE_ERRORS
from recommendations.precompute import (
    precompute_strategies,
    precompute_user_count,
    precompute_user_id_chunks,
    recommendation_lists_precompute,
)
from recommendations.strategies import UnknownStrategyError, strategy_names, strategy_resolve
from recommendations.tasks import precompute_chunk_signatures

# More people than France holds: any larger --users means every user, and past
# PostgreSQL's bigint it failed as the query's LIMIT.
MAX_USERS = 100_000_000


class Command(BaseCommand):
    help = "Precompute and store each user's top recommendations (Redis, with a TTL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, help=f"only the first N users by id (1 to {MAX_USERS})"
        )
        parser.add_argument(
            "--strategy",
            help=f"one of: {', '.join(strategy_names())} (default: the variants' strategies)",
        )
        parser.add_argument(
            "--workers",
            action="store_true",
            help="compute on the Celery workers (and wait for them) instead of here",
        )

    def handle(self, *args, users: int | None, strategy: str | None, workers: bool, **options):
        if users is not None:
            int_option(users, option="--users", low=1, high=MAX_USERS)
        try:
            strategies = [strategy_resolve(strategy)] if strategy else precompute_strategies()
        except UnknownStrategyError as error:
            raise CommandError(str(error)) from None
        total = precompute_user_count(users=users) * len(strategies)
        started = time.monotonic()
        try:
            stored = (
                self.precompute_on_workers(strategies=strategies, users=users, total=total)
                if workers
                else self.precompute_here(strategies=strategies, users=users, total=total)
            )
        except CACHE_ERRORS as error:
            raise CommandError(f"Redis is unreachable, no list stored: {error}") from None
        elapsed = time.monotonic() - started
        self.stdout.write(f"Stored {stored} lists ({', '.join(strategies)}) in {elapsed:.1f} s.")

    def precompute_here(self, *, strategies: list[str], users: int | None, total: int) -> int:
        stored = 0
        with tqdm(total=total, unit="user", disable=None) as progress:
            for name in strategies:
                for chunk in precompute_user_id_chunks(users=users):
                    stored += recommendation_lists_precompute(user_ids=chunk, strategy=name)
                    progress.update(len(chunk))
        return stored

    def precompute_on_workers(self, *, strategies: list[str], users: int | None, total: int) -> int:
        stored = 0
        with tqdm(total=total, unit="user", disable=None) as progress:
            for name in strategies:
                result = precompute_chunk_signatures(strategy=name, users=users).apply_async()
                for chunk_result in result.results:
                    count = chunk_result.get(disable_sync_subtasks=False, propagate=True)
                    stored += count
                    progress.update(count)
        return stored
