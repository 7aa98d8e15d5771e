"""The model registry: every trained ranker is a version, and every retraining decision a row.

Artifacts (joblib + JSON metadata) live in Django's storage; these rows point at
them, say which one serves (at most one champion, enforced by the database) and
keep the history of why it changed (ADR 0029).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "candidate"
        CHAMPION = "champion", "champion"
        RETIRED = "retired", "retired"

    version_id = models.CharField(max_length=64, unique=True)
    artifact_name = models.CharField(
        max_length=255, help_text="Name of the joblib file in the ranker's artifact storage."
    )
    metadata_name = models.CharField(max_length=255, blank=True)
    # sha256 of the artifact at registration: a file changed or truncated since is refused.
    artifact_checksum = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    trained_since = models.DateTimeField(null=True, blank=True)
    trained_until = models.DateTimeField(null=True, blank=True)
    training_rows = models.PositiveIntegerField(default=0)
    offline_metrics = models.JSONField(default=dict, blank=True)
    # Per key feature: quantile bin edges and the share of training rows in each bin.
    feature_statistics = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.CharField(max_length=150, blank=True)
    promotion_reason = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.CharField(max_length=150, blank=True)
    retirement_reason = models.TextField(blank=True)
    # The champion this one replaced: where a rollback goes back to.
    previous_champion = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
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
        NO_TRIGGER = "no_trigger", "nothing fired"
        PROMOTED = "promoted", "challenger promoted"
        KEPT_CHAMPION = "kept_champion", "champion kept"
        FAILED = "failed", "retraining failed"

    created_at = models.DateTimeField(default=timezone.now)
    triggered_by = models.CharField(max_length=150)
    # Every check of the run, fired or not, with its figures and intervals.
    checks = models.JSONField(default=list)
    fired = models.JSONField(default=list, help_text="Names of the checks that fired.")
    champion = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    challenger = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    champion_metrics = models.JSONField(default=dict, blank=True)
    challenger_metrics = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(max_length=15, choices=Verdict.choices)
    reason = models.TextField()
    duration_seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_verdict_display()}"
