"""Input and output shapes of the API, version 1 (ADR 0015)."""

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from experiments.clicks import recommendation_click_url
from marketplace.category_names import category_label
from marketplace.models import Category
from recommendations.lists import ListSource

MAX_LIMIT = 50


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
    """One item; built from a `recommendations.offers.RecommendedOffer`."""

    offer_id = serializers.IntegerField(source="offer.pk")
    title = serializers.CharField(source="offer.title")
    category = CategorySerializer(source="offer.category")
    venue = VenueSerializer(source="offer.venue", allow_null=True)
    url = serializers.URLField(help_text=_("The offer's page."))
    click_url = serializers.URLField(
        help_text=_(
            "The offer's page through a signed redirect that records the click against "
            "this list and position; link to this one when showing the list to its user."
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

    def to_representation(self, recommended) -> dict:
        """The item as a dict, built directly: the declared fields above are the contract
        (and the OpenAPI schema); running each through DRF's field machinery cost about a
        millisecond per ten-item list, a fifth of the endpoint (ADR 0015)."""
        offer = recommended.offer
        venue = offer.venue
        origin = self.origin
        return {
            "offer_id": offer.pk,
            "title": offer.title,
            "category": {"slug": offer.category.slug, "name": category_label(offer.category)},
            "venue": None if venue is None else {"name": venue.name, "city": venue.city},
            "url": origin + reverse("storefront:offer_detail", args=[offer.pk]),
            "click_url": origin
            + recommendation_click_url(
                recommendation_list=self.context["recommendation_list"],
                position=recommended.position,
            ),
            "price": self._declared_fields["price"].to_representation(offer.price),
            "starts_at": (
                None
                if offer.starts_at is None
                else self._declared_fields["starts_at"].to_representation(offer.starts_at)
            ),
            "score": float(recommended.score),
            "reason": str(recommended.reason),
            "distance_km": (
                None if recommended.distance_km is None else float(recommended.distance_km)
            ),
            "position": recommended.position,
        }


class RecommendationMetaSerializer(serializers.Serializer):
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
