"""Print a user's recommendations, as a table or as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from marketplace.models import User
from recommendations.serialization import recommendation_as_dict
from recommendations.strategies import (
    UnknownStrategyError,
    recommendations_for_user,
    strategy_names,
)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Print the recommendations of one user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user-id", type=int, required=True)
        parser.add_argument("--limit", type=positive_int, default=5)
        parser.add_argument(
            "--strategy", help=f"one of: {', '.join(strategy_names())} (default from settings)"
        )
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, user_id: int, limit: int, strategy: str | None, **options) -> None:
        try:
            user = User.objects.get(pk=user_id)
        except User.DoesNotExist:
            raise CommandError(f"No user with id {user_id}.") from None
        try:
            recommendations = recommendations_for_user(user=user, limit=limit, strategy=strategy)
        except UnknownStrategyError as error:
            raise CommandError(str(error)) from None
        rows = [recommendation_as_dict(recommendation) for recommendation in recommendations]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("No recommendation for this user.")
        for rank, row in enumerate(rows, start=1):
            self.stdout.write(
                f"{rank}. [{row['category']}] {row['title']} (#{row['offer_id']}) "
                f"score {row['score']:.2f}: {row['reason']}"
            )
