"""The checks an artifact passes before it may serve: intact, loadable, and answering."""

import hashlib
from dataclasses import dataclass

from recommendations.models import ModelVersion
from recommendations.registry import learner

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ArtifactCheck:
    ok: bool
    reason: str


def artifact_checksum(*, name: str) -> str:
    """sha256 of a file of the artifact storage, read in chunks (artifacts can be large)."""
    digest = hashlib.sha256()
    with learner.artifact_storage().open(name, "rb") as artifact:
        for chunk in iter(lambda: artifact.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def artifact_check(*, version: ModelVersion) -> ArtifactCheck:
    """Whether `version`'s artifact is the file registered, loads, and scores a probe.

    Any failure is a refusal with its reason, never an exception: the caller
    records it and keeps the current champion.
    """
    name = version.artifact_name
    # A storage error, or the file deleted since `exists` answered, is a refusal too.
    try:
        if not learner.artifact_storage().exists(name):
            return ArtifactCheck(False, f"artifact {name} is missing from the storage")
        checksum = artifact_checksum(name=name)
        if checksum != version.artifact_checksum:
            return ArtifactCheck(
                False, f"artifact {name} changed since registration (sha256 {checksum[:12]}…)"
            )
        learner.version_load(version_id=version.version_id)
    except Exception as error:
        return ArtifactCheck(False, f"artifact {name} does not load and answer: {error}")
    return ArtifactCheck(True, "artifact intact, loads and answers")
