"""Reads of the model registry."""

from datetime import timedelta

from django.db.models import QuerySet

from recommendations.models import ModelVersion, RetrainingDecision


def model_version_champion() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.CHAMPION).first()


def model_version_champion_id() -> str | None:
    return (
        ModelVersion.objects.filter(status=ModelVersion.Status.CHAMPION)
        .values_list("version_id", flat=True)
        .first()
    )


def model_versions_timeline(*, limit: int = 30) -> list[ModelVersion]:
    """The most recent versions, oldest first, as the dashboard draws them."""
    return list(reversed(ModelVersion.objects.order_by("-created_at")[:limit]))


def retraining_decisions_recent(*, limit: int = 60) -> list[RetrainingDecision]:
    """The most recent decisions, oldest first, with their versions."""
    decisions = RetrainingDecision.objects.select_related("champion", "challenger")
    return list(reversed(decisions.order_by("-created_at")[:limit]))


def model_version_age(*, version: ModelVersion, now) -> timedelta:
    """Time in service (since promotion), or since registration for a never-promoted version."""
    return now - (version.promoted_at or version.created_at)


def model_versions_for_admin() -> QuerySet[ModelVersion]:
    return ModelVersion.objects.select_related("previous_champion")
