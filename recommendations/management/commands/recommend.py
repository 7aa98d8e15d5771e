"""Print a user's recommendations, as a table or as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.command_options import int_option
from marketplace.models import User
from recommendations.lists import RecommendationRequest
from recommendations.management.arguments import LIST_LENGTH_MAX
from recommendations.offers import recommended_offers_load
from recommendations.serialization import recommended_offer_as_dict
from recommendations.strategies import (
    UnknownStrategyError,
    recommendation_list_compute,
    strategy_names,
)


class Command(BaseCommand):
    help = "Print the recommendations of one user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user-id", type=int, required=True)
        parser.add_argument("--limit", type=int, default=5, help=f"1 to {LIST_LENGTH_MAX}")
        parser.add_argument(
            "--strategy", help=f"one of: {', '.join(strategy_names())} (default from settings)"
        )
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, user_id: int, limit: int, strategy: str | None, **options) -> None:
        int_option(limit, option="--limit", low=1, high=LIST_LENGTH_MAX)
        if not User.objects.filter(pk=user_id).exists():
            raise CommandError(f"No user with id {user_id}.")
        try:
            computed = recommendation_list_compute(
                request=RecommendationRequest(user_id=user_id, limit=limit), strategy=strategy
            )
        except UnknownStrategyError as error:
            raise CommandError(str(error)) from None
        [recommended] = recommended_offers_load(lists=[computed])
        rows = [recommended_offer_as_dict(offer) for offer in recommended]
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
