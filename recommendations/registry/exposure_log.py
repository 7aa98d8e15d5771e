"""The seam between the registry and the exposure log (issue 9): per-user counts of an arm.

Online checks need, for a period and an arm (the exposures served by one model
version, or those of the control variant), each exposed person's impressions,
clicks and attributed bookings, summarised as ratio samples. Only this module
reads the experiments app.
"""

from collections import defaultdict
from datetime import datetime

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q

from experiments.models import BookingAttribution, Exposure, RecommendationClick
from recommendations.registry.online import PerPersonCounts

RATES = ("click_through", "booking_rate")


def arm_rate_samples(*, arm: Q, since: datetime, until: datetime) -> dict[str, PerPersonCounts]:
    """Click-through (clicks per impression) and attributed bookings per impression of the
    exposures matching `arm` shown in [since, until), per exposed user or visitor.

    `arm` filters fields that exposures and attributions share (model_version, variant).
    """
    clicked = RecommendationClick.objects.filter(
        request_id=OuterRef("request_id"), position=OuterRef("position")
    )
    per_person = (
        Exposure.objects.filter(arm, shown_at__gte=since, shown_at__lt=until)
        .annotate(was_clicked=Exists(clicked))
        .values("user_id", "visitor_id")
        .annotate(impressions=Count("pk"), clicks=Count("pk", filter=Q(was_clicked=True)))
        .values_list("user_id", "visitor_id", "impressions", "clicks")
    )
    bookings = dict(
        BookingAttribution.objects.filter(
            arm, click__clicked_at__gte=since, click__clicked_at__lt=until
        )
        .values("click__user_id")
        .annotate(bookings=Count("pk"))
        .values_list("click__user_id", "bookings")
    )
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for user_id, visitor_id, impressions, clicks in per_person:
        person = counts[(user_id, "" if user_id else visitor_id)]
        person[0] += impressions
        person[1] += clicks
    for (user_id, _), person in counts.items():
        person[2] = bookings.get(user_id, 0) if user_id else 0
    table = np.array(list(counts.values()), dtype=float).reshape(-1, 3)
    impressions, clicks, booked = table[:, 0], table[:, 1], table[:, 2]
    return {
        "click_through": PerPersonCounts(impressions=impressions, events=clicks),
        "booking_rate": PerPersonCounts(impressions=impressions, events=booked),
    }


def champion_arm(*, version_id: str) -> Q:
    return Q(model_version=version_id)


def serving_arm(*, version_id: str, since: datetime, until: datetime) -> Q:
    """The variants that showed `version_id`'s lists in [since, until): all of their
    exposures, whichever version (or fallback) served them at the time."""
    variants = (
        Exposure.objects.filter(model_version=version_id, shown_at__gte=since, shown_at__lt=until)
        .values_list("variant", flat=True)
        .distinct()
    )
    return Q(variant__in=sorted(variants))


def control_arm(*, variant: str) -> Q:
    return Q(variant=variant)
