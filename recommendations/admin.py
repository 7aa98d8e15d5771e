"""The model registry in the admin: versions side by side, promotion and rollback.

Both actions call the registry's services, like the retraining task does, so
the artifact check, the locks and the one-champion rule hold for staff too.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, gettext_lazy

from config.local_times import local_day
from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry.services import (
    RegistryError,
    model_version_promote,
    model_version_rollback,
)


def staff_actor(request: HttpRequest) -> str:
    return f"admin: {request.user.get_username()}"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "version_id",
        "status",
        "primary_metric",
        "metrics",
        "age",
        "training_window",
        "training_rows",
        "promoted_by",
        "retirement_reason",
    )
    list_filter = ("status",)
    search_fields = ("version_id",)
    ordering = ("-created_at",)
    actions = ("promote", "rollback")
    # Rows are written by the registry's services only; the admin reads and acts.
    readonly_fields = [field.name for field in ModelVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("offline metric"))
    def primary_metric(self, version: ModelVersion) -> str:
        name = settings.MODEL_PROMOTION_METRIC
        value = version.offline_metrics.get(name)
        return f"{name} {value:.4f}" if isinstance(value, int | float) else "-"

    @admin.display(description=gettext_lazy("all offline metrics"))
    def metrics(self, version: ModelVersion) -> str:
        return ", ".join(
            f"{name} {value:.4f}" if isinstance(value, int | float) else f"{name} {value}"
            for name, value in sorted(version.offline_metrics.items())
        )

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, version: ModelVersion) -> str:
        since = version.promoted_at or version.created_at
        return timesince(since, timezone.now())

    @admin.display(description=gettext_lazy("trained on"))
    def training_window(self, version: ModelVersion) -> str:
        since = local_day(version.trained_since) if version.trained_since else gettext("start")
        until = local_day(version.trained_until) if version.trained_until else "?"
        return gettext("%(start)s to %(end)s") % {"start": since, "end": until}

    @admin.action(description=gettext_lazy("Promote the selected candidate to champion"))
    def promote(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        versions = list(queryset)
        if len(versions) != 1:
            self.message_user(
                request, gettext("Select exactly one candidate to promote."), messages.ERROR
            )
            return
        try:
            promoted = model_version_promote(
                version_id=versions[0].version_id,
                actor=staff_actor(request),
                reason="promoted by staff in the admin",
            )
        except RegistryError as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(
            request,
            gettext("%(version)s is champion; every process serves it within %(seconds)d seconds.")
            % {
                "version": promoted.version_id,
                "seconds": 2 * settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS,
            },
            messages.SUCCESS,
        )

    @admin.action(
        description=gettext_lazy("Roll back to the previous champion (selection ignored)")
    )
    def rollback(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        try:
            restored = model_version_rollback(
                actor=staff_actor(request), reason="rolled back by staff in the admin"
            )
        except RegistryError as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(
            request,
            gettext(
                "%(version)s is champion again; every process serves it within %(seconds)d seconds."
            )
            % {
                "version": restored.version_id,
                "seconds": 2 * settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS,
            },
            messages.SUCCESS,
        )


@admin.register(RetrainingDecision)
class RetrainingDecisionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "verdict", "fired", "champion", "challenger", "reason")
    list_filter = ("verdict",)
    list_select_related = ("champion", "challenger")
    readonly_fields = [field.name for field in RetrainingDecision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
