"""Reads of the recommendations app for other apps (the staff dashboard)."""

from django.conf import settings

from recommendations.distance.service import counters_read


def distance_cache_stats() -> dict:
    """The distance cache's counters since they were last reset, and what the provider cost.

    Keys: provider (name), hits, misses, lookups, hit_rate (0..1, 0.0 before any
    lookup), provider_calls, provider_errors, cost_per_call and estimated_cost
    (provider_calls times DISTANCE_PROVIDER_COST_PER_CALL).
    """
    counters = counters_read()
    lookups = counters["hits"] + counters["misses"]
    cost_per_call = settings.DISTANCE_PROVIDER_COST_PER_CALL
    return {
        "provider": settings.DISTANCE_PROVIDER,
        **counters,
        "lookups": lookups,
        "hit_rate": counters["hits"] / lookups if lookups else 0.0,
        "cost_per_call": cost_per_call,
        "estimated_cost": round(counters["provider_calls"] * cost_per_call, 4),
    }
