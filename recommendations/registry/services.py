"""Writes of the model registry: register, promote, roll back, retire, record a decision.

Every write of the champion goes through `model_version_promote` or
`model_version_rollback` (admin actions, the retraining task, the command), so
the rules hold whoever acts: the artifact is checked first, both rows are
locked, and the partial unique constraint keeps at most one champion even
under a race (ADR 0029).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from recommendations.models import ModelVersion, RetrainingDecision
from recommendations.registry import learner
from recommendations.registry.artifacts import artifact_check, artifact_checksum
from recommendations.registry.features import feature_statistics_compute
from recommendations.registry.selectors import model_version_champion_id
from recommendations.registry.serving import champion_publish


class RegistryError(Exception):
    """A registry action refused, with a message for staff."""


class ChampionChangedError(RegistryError):
    """A promotion or a rollback refused: the champion it was decided against has been
    replaced meanwhile."""


# `model_version_promote`'s default: whoever the champion is, it is replaced (staff choose).
ANY_CHAMPION = object()


def model_version_register(*, artifact_name: str, metadata_name: str) -> ModelVersion:
    """A candidate version for a saved artifact, with its checksum and drift statistics.

    Registering the same version id twice returns the existing row.
    """
    metadata = learner.artifact_metadata_read(metadata_name=metadata_name)
    fields = learner.metadata_fields(metadata=metadata)
    existing = ModelVersion.objects.filter(version_id=fields.version_id).first()
    if existing is not None:
        return existing
    until = fields.trained_until or timezone.now()
    return ModelVersion.objects.create(
        version_id=fields.version_id,
        artifact_name=artifact_name,
        metadata_name=metadata_name,
        artifact_checksum=artifact_checksum(name=artifact_name),
        trained_since=fields.trained_since,
        trained_until=fields.trained_until,
        training_rows=fields.training_rows,
        offline_metrics=fields.offline_metrics,
        feature_statistics=feature_statistics_compute(since=fields.trained_since, until=until),
        metadata=metadata,
    )


def model_version_promote(
    *, version_id: str, actor: str, reason: str, replacing=ANY_CHAMPION
) -> ModelVersion:
    """Make the candidate `version_id` the champion; the current champion is retired.

    Refused (RegistryError) unless the version is a candidate whose artifact is
    intact, loads and answers. The check runs before the locks, so a slow load
    never holds them; the status is checked again under the lock.

    `replacing`: the champion (a ModelVersion, or None for none) that the version
    was judged against. Given, the promotion is refused when another champion has
    been crowned since: two retrainings that overlap both judge against the same
    champion, and the later one was never compared with the earlier one's winner.
    """
    version = model_version_get(version_id=version_id)
    check = artifact_check(version=version)
    if not check.ok:
        raise RegistryError(f"Version {version_id} not promoted: {check.reason}.")
    with champion_change():
        locked = champion_and_locked(pk=version.pk)
        candidate, champion = locked["target"], locked["champion"]
        if candidate.status != ModelVersion.Status.CANDIDATE:
            raise RegistryError(
                f"Version {version_id} is {candidate.status}; only a candidate can be promoted."
            )
        if replacing is not ANY_CHAMPION and version_pk(champion) != version_pk(replacing):
            raise ChampionChangedError(
                f"Version {version_id} not promoted: it was judged against "
                f"{version_name(replacing)}, and the champion is now {version_name(champion)}."
            )
        now = timezone.now()
        if champion is not None:
            version_retire_locked(
                version=champion, actor=actor, reason=f"replaced by {version_id}: {reason}", now=now
            )
        version_crown_locked(version=candidate, actor=actor, reason=reason, now=now)
        candidate.previous_champion = champion
        candidate.save(update_fields=["previous_champion"])
    return candidate


def version_pk(version: ModelVersion | None) -> int | None:
    return None if version is None else version.pk


def version_name(version: ModelVersion | None) -> str:
    return "no champion" if version is None else version.version_id


def model_version_rollback(*, actor: str, reason: str) -> ModelVersion:
    """Put the champion's predecessor back in service; the champion is retired.

    Refused when there is no champion, it replaced nobody, or the predecessor's
    artifact no longer loads and answers. Returns the restored version.
    """
    champion = model_version_champion_required()
    previous = champion.previous_champion
    if previous is None:
        raise RegistryError(f"Champion {champion.version_id} replaced no earlier version.")
    check = artifact_check(version=previous)
    if not check.ok:
        raise RegistryError(f"Cannot roll back to {previous.version_id}: {check.reason}.")
    with champion_change():
        locked = champion_and_locked(pk=previous.pk)
        restored, current = locked["target"], locked["champion"]
        if current is None or current.pk != champion.pk:
            raise ChampionChangedError("The champion changed meanwhile; look again and retry.")
        now = timezone.now()
        version_retire_locked(
            version=current, actor=actor, reason=f"rolled back: {reason}", now=now
        )
        version_crown_locked(
            version=restored,
            actor=actor,
            reason=f"rollback from {current.version_id}: {reason}",
            now=now,
        )
    return restored


def model_version_retire(*, version_id: str, actor: str, reason: str) -> ModelVersion:
    """Retire a candidate that will not serve (a challenger that lost, a bad artifact)."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(
            pk=model_version_get(version_id=version_id).pk
        )
        if version.status == ModelVersion.Status.CHAMPION:
            raise RegistryError(
                "The champion is retired by promoting or rolling back, not directly."
            )
        version_retire_locked(version=version, actor=actor, reason=reason, now=timezone.now())
    return version


def model_version_get(*, version_id: str) -> ModelVersion:
    version = ModelVersion.objects.filter(version_id=version_id).first()
    if version is None:
        raise RegistryError(f"No model version {version_id}.")
    return version


def model_version_champion_required() -> ModelVersion:
    champion = (
        ModelVersion.objects.select_related("previous_champion")
        .filter(status=ModelVersion.Status.CHAMPION)
        .first()
    )
    if champion is None:
        raise RegistryError("No model is champion.")
    return champion


@contextmanager
def champion_change() -> Iterator[None]:
    """A transaction that changes the champion: publishes the new one to every process once
    committed, and turns a lost race on the one-champion constraint into a refusal."""
    try:
        with transaction.atomic():
            yield
            transaction.on_commit(publish_champion)
    except IntegrityError:
        raise RegistryError("Another change of the champion happened meanwhile; retry.") from None


def publish_champion() -> None:
    champion_publish(version_id=model_version_champion_id())


def champion_and_locked(*, pk: int) -> dict[str, ModelVersion | None]:
    """Lock the version `pk` and the champion, in primary-key order so that two
    concurrent changes never wait on each other in a cycle."""
    rows = list(
        ModelVersion.objects.select_for_update()
        .filter(Q(pk=pk) | Q(status=ModelVersion.Status.CHAMPION))
        .order_by("pk")
    )
    target = next(row for row in rows if row.pk == pk)
    champion = next((row for row in rows if row.status == ModelVersion.Status.CHAMPION), None)
    return {"target": target, "champion": champion}


def version_retire_locked(*, version: ModelVersion, actor: str, reason: str, now) -> None:
    version.status = ModelVersion.Status.RETIRED
    version.retired_at = now
    version.retired_by = actor
    version.retirement_reason = reason
    version.save(update_fields=["status", "retired_at", "retired_by", "retirement_reason"])


def version_crown_locked(*, version: ModelVersion, actor: str, reason: str, now) -> None:
    version.status = ModelVersion.Status.CHAMPION
    version.promoted_at = now
    version.promoted_by = actor
    version.promotion_reason = reason
    version.save(update_fields=["status", "promoted_at", "promoted_by", "promotion_reason"])


def retraining_decision_record(
    *,
    triggered_by: str,
    checks: list[dict],
    fired: list[str],
    verdict: str,
    reason: str,
    champion: ModelVersion | None = None,
    challenger: ModelVersion | None = None,
    champion_metrics: dict | None = None,
    challenger_metrics: dict | None = None,
    duration_seconds: float = 0.0,
) -> RetrainingDecision:
    """Store one monitoring run: its checks, what fired, both evaluations and the verdict."""
    return RetrainingDecision.objects.create(
        triggered_by=triggered_by,
        checks=checks,
        fired=fired,
        verdict=verdict,
        reason=reason,
        champion=champion,
        challenger=challenger,
        champion_metrics=champion_metrics or {},
        challenger_metrics=challenger_metrics or {},
        duration_seconds=duration_seconds,
    )
