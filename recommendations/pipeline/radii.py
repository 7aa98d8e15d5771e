"""How far an offer's public comes from: its category's radius, longer for festival sites."""

from django.conf import settings

FESTIVAL = "festival"  # marketplace.models.Venue.Kind.FESTIVAL, a plain value here


def category_radius_km(*, category_slug: str, venue_kind: str) -> float:
    radius = settings.RECOMMENDATION_GEO_RADIUS_KM.get(
        category_slug, settings.RECOMMENDATION_GEO_DEFAULT_RADIUS_KM
    )
    if venue_kind == FESTIVAL:
        radius = max(radius, settings.RECOMMENDATION_GEO_FESTIVAL_RADIUS_KM)
    return float(radius)
