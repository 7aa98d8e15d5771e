"""The model registry: every trained ranker is a version, and every retraining decision a row.

Artifacts (joblib + JSON metadata) live in Django's storage; these rows point at
them, say which one serves (at most one champion, enforced by the database) and
keep the history of why it changed (ADR 0029).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.local_times import local_minute


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("candidate")
        CHAMPION = "champion", _("champion")
        RETIRED = "retired", _("retired")

    version_id = models.CharField(_("version"), max_length=64, unique=True)
    artifact_name = models.CharField(
        _("artifact file"),
        max_length=255,
        help_text=_("Name of the joblib file in the ranker's artifact storage."),
    )
    metadata_name = models.CharField(_("metadata file"), max_length=255, blank=True)
    # sha256 of the artifact at registration: a file changed or truncated since is refused.
    artifact_checksum = models.CharField(_("artifact checksum"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CANDIDATE
    )
    trained_since = models.DateTimeField(_("trained since"), null=True, blank=True)
    trained_until = models.DateTimeField(_("trained until"), null=True, blank=True)
    training_rows = models.PositiveIntegerField(_("training rows"), default=0)
    offline_metrics = models.JSONField(_("offline metrics"), default=dict, blank=True)
    # Per key feature: quantile bin edges and the share of training rows in each bin.
    feature_statistics = models.JSONField(_("feature statistics"), default=dict, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    promoted_by = models.CharField(_("promoted by"), max_length=150, blank=True)
    promotion_reason = models.TextField(_("promotion reason"), blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = models.CharField(_("retired by"), max_length=150, blank=True)
    retirement_reason = models.TextField(_("retirement reason"), blank=True)
    # The champion this one replaced: where a rollback goes back to.
    previous_champion = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("previous champion"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="champion"),
                name="model_version_one_champion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.version_id} ({self.status})"


class RetrainingDecision(models.Model):
    """One run of the monitoring: what it measured, what fired, and what was done."""

    class Verdict(models.TextChoices):
        NO_TRIGGER = "no_trigger", _("nothing fired")
        PROMOTED = "promoted", _("challenger promoted")
        KEPT_CHAMPION = "kept_champion", _("champion kept")
        FAILED = "failed", _("retraining failed")
        DEFERRED = "deferred", _("retraining deferred")

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    triggered_by = models.CharField(_("triggered by"), max_length=150)
    # Every check of the run, fired or not, with its figures and intervals.
    checks = models.JSONField(_("checks"), default=list)
    fired = models.JSONField(
        _("checks fired"), default=list, help_text=_("Names of the checks that fired.")
    )
    champion = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("champion"),
    )
    challenger = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("challenger"),
    )
    champion_metrics = models.JSONField(_("champion metrics"), default=dict, blank=True)
    challenger_metrics = models.JSONField(_("challenger metrics"), default=dict, blank=True)
    verdict = models.CharField(_("verdict"), max_length=15, choices=Verdict.choices)
    reason = models.TextField(
        _("reason"),
    )
    duration_seconds = models.FloatField(_("duration (seconds)"), default=0.0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("retraining decision")
        verbose_name_plural = _("retraining decisions")

    def __str__(self) -> str:
        return f"{local_minute(self.created_at)} {self.get_verdict_display()}"
