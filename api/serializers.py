"""Input and output shapes of the API, version 1 (ADR 0015)."""

import re
from datetime import datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.reversing import reverse_one_argument
from experiments.clicks import recommendation_click_urls
from marketplace.category_names import category_name_label
from marketplace.models import Category
from recommendations.lists import ListSource
from recommendations.servable import OfferCard

MAX_LIMIT = 50
PLAIN_LIMIT = re.compile(r"[0-9]{1,2}")
# Offers whose rendered price, date and category name each API worker remembers: the
# catalogue's 20,000 offers fit, at a few hundred bytes each.
RENDERED_OFFERS_CACHE_SIZE = 20_000


class RecommendationQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=10)
    category = serializers.ListField(
        child=serializers.SlugField(),
        required=False,
        default=list,
        help_text=_("Category slug; repeat the parameter for several categories."),
    )
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    user_id = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Staff only: whose list to read.")
    )

    def validate_category(self, slugs: list[str]) -> list[str]:
        if not slugs:
            return []
        known = set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        unknown = sorted(set(slugs) - known)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown category: %(slugs)s.") % {"slugs": ", ".join(unknown)}
            )
        # Order kept, duplicates dropped.
        return list(dict.fromkeys(slugs))

    @classmethod
    def plain_query(cls, query_params) -> dict | None:
        """The validated data of the usual query (none, or one `limit` written as a plain
        number in range), read without the serializer; None for any other query, which
        the serializer validates. A serializer instance deep-copies its five fields and
        runs them: 0.1 ms per request, a tenth of the view (ADR 0015); the tests hold
        both equal."""
        if not query_params:
            return {"limit": cls._declared_fields["limit"].default, "category": []}
        if query_params.keys() != {"limit"}:
            return None
        values = query_params.getlist("limit")
        if len(values) != 1 or not PLAIN_LIMIT.fullmatch(values[0]):
            return None
        limit = int(values[0])
        return {"limit": limit, "category": []} if 1 <= limit <= MAX_LIMIT else None

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("lat", "lon") if name in attrs]
        if len(given) == 1:
            missing = "lon" if given == ["lat"] else "lat"
            raise serializers.ValidationError(
                {missing: _("Give lat and lon together, or neither.")}
            )
        return attrs


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class VenueSerializer(serializers.Serializer):
    name = serializers.CharField()
    city = serializers.CharField()


class RecommendedOfferSerializer(serializers.Serializer):
    """One item; built from a `recommendations.offers.RecommendedOffer`. Its context names
    the `recommendation_list` and whether its links are `tracked`: only where the list is
    shown to its user, since a tracked link records a click for the list's owner."""

    offer_id = serializers.IntegerField(source="offer.pk")
    title = serializers.CharField(source="offer.title")
    category = CategorySerializer(source="offer.category")
    venue = VenueSerializer(source="offer.venue", allow_null=True)
    url = serializers.URLField(help_text=_("The offer's page."))
    click_url = serializers.URLField(
        help_text=_(
            "The offer's page through a signed redirect that records the click against "
            "this list and position; link to this one when showing the list to its user. "
            "The plain `url` when staff read another user's list."
        )
    )
    price = serializers.DecimalField(max_digits=8, decimal_places=2, source="offer.price")
    starts_at = serializers.DateTimeField(source="offer.starts_at", allow_null=True)
    score = serializers.FloatField()
    reason = serializers.CharField()
    distance_km = serializers.FloatField(allow_null=True)
    position = serializers.IntegerField(min_value=1)

    @cached_property
    def origin(self) -> str:
        """Scheme and host of the request (`https://example.org`), worked out once per list."""
        return self.context["request"].build_absolute_uri("/").removesuffix("/")

    @cached_property
    def click_paths(self) -> list[str]:
        """The list's tracked links (paths), built together: their shared fields once."""
        return recommendation_click_urls(recommendation_list=self.context["recommendation_list"])

    @cached_property
    def rendering(self) -> tuple[str | None, str]:
        """The active language and time zone, which the written fields depend on."""
        return get_language(), timezone.get_current_timezone_name()

    def to_representation(self, recommended) -> dict:
        """The item as a dict, built directly from the offer's card: the declared fields
        above are the contract (and the OpenAPI schema); running each through DRF's field
        machinery cost about a millisecond per ten-item list, a fifth of the endpoint
        (ADR 0015)."""
        card: OfferCard = recommended.offer
        price, starts_at, category_name = rendered_offer_fields(card, *self.rendering)
        origin = self.origin
        url = origin + reverse_one_argument("storefront:offer_detail", card.pk)
        return {
            "offer_id": card.pk,
            "title": card.title,
            "category": {"slug": card.category_slug, "name": category_name},
            "venue": (
                None
                if card.venue_name is None
                else {"name": card.venue_name, "city": card.venue_city}
            ),
            "url": url,
            "click_url": (
                origin + self.click_paths[recommended.position - 1]
                if self.context["tracked"]
                else url
            ),
            "price": price,
            "starts_at": starts_at,
            "score": float(recommended.score),
            "reason": str(recommended.reason),
            "distance_km": (
                None if recommended.distance_km is None else float(recommended.distance_km)
            ),
            "position": recommended.position,
        }


PRICE_FIELD = RecommendedOfferSerializer._declared_fields["price"]
STARTS_AT_FIELD = RecommendedOfferSerializer._declared_fields["starts_at"]


@lru_cache(maxsize=RENDERED_OFFERS_CACHE_SIZE)
def rendered_offer_fields(
    card: OfferCard, language: str | None, time_zone: str
) -> tuple[str, str | None, str]:
    """An offer's price, start and category name as the API writes them, remembered by
    everything they depend on: the card's values (an offer whose price, date or category
    changed has another card, hence another entry), the language and the time zone. The
    formatting through DRF's fields and gettext cost about 25 µs an item."""
    return (
        PRICE_FIELD.to_representation(card.price),
        None if card.starts_at is None else STARTS_AT_FIELD.to_representation(card.starts_at),
        category_name_label(card.category_name),
    )


class RecommendationMetaSerializer(serializers.Serializer):
    """Built by `to_representation` directly, as the items are (ADR 0015)."""

    strategy = serializers.CharField()
    model_version = serializers.CharField(allow_null=True)
    variant = serializers.CharField()
    request_id = serializers.CharField()
    source = serializers.ChoiceField(
        choices=[ListSource.PRECOMPUTED, ListSource.COMPUTED, ListSource.FALLBACK]
    )
    generated_at = serializers.DateTimeField()
    personalised = serializers.BooleanField(
        help_text=_("False for an anonymous caller: the list is nobody's in particular.")
    )

    def to_representation(self, meta: dict) -> dict:
        generated_at: datetime = meta["generated_at"]
        return {
            **meta,
            "generated_at": self._declared_fields["generated_at"].to_representation(generated_at),
        }


class RecommendationResponseSerializer(serializers.Serializer):
    meta = RecommendationMetaSerializer()
    results = RecommendedOfferSerializer(many=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    home_city = serializers.CharField(allow_blank=True)
    variant = serializers.CharField()


class TokenCreateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
