"""Saving a model: `latest.json` moves from one version to the next without a gap."""

import json

import pytest

from recommendations.ranking.artifact import (
    LATEST,
    ArtifactError,
    artifact_load,
    artifact_path,
    artifact_save,
    model_storage,
)
from recommendations.ranking.training import TrainedRanker, TrainingOptions, ranker_train
from tests.recommendations.ranking.conftest import world


@pytest.fixture(scope="module")
def trained() -> TrainedRanker:
    return ranker_train(data=world(), options=TrainingOptions(seed=1, per_source=10))


def on_pointer_save(storage, monkeypatch, action) -> None:
    """Run `action` once, when the save of the latest pointer begins (another process
    reading or saving at that moment)."""
    save = storage.save
    pending = [action]

    def save_then_act(name, content, *args, **kwargs):
        if "latest" in name and pending:
            pending.pop()()
        return save(name, content, *args, **kwargs)

    monkeypatch.setattr(storage, "save", save_then_act)


def test_a_reader_during_a_save_finds_the_previous_model(model_folder, trained, monkeypatch):
    first = artifact_save(trained=trained, seed=1)["version"]
    read = []
    on_pointer_save(model_folder, monkeypatch, lambda: read.append(artifact_load()[1]["version"]))

    second = artifact_save(trained=trained, seed=1)["version"]

    assert read == [first]
    assert artifact_load()[1]["version"] == second


def test_two_saves_at_once_leave_one_pointer_naming_a_saved_model(
    model_folder, trained, monkeypatch
):
    artifact_save(trained=trained, seed=1)
    other = []
    on_pointer_save(
        model_folder,
        monkeypatch,
        lambda: other.append(artifact_save(trained=trained, seed=1)["version"]),
    )

    version = artifact_save(trained=trained, seed=1)["version"]

    _, files = model_folder.listdir(artifact_path(""))
    pointers = [name for name in files if "latest" in name]
    assert pointers == [LATEST]
    # The save that finished last is the latest.
    with model_folder.open(artifact_path(LATEST)) as pointer:
        assert json.load(pointer) == {"version": version}
    assert other and other[0] != version


def test_without_a_rename_a_pointer_another_save_displaced_is_an_error(
    settings, trained, monkeypatch
):
    """Object storages cannot rename: a pointer saved under another name would be ignored."""
    settings.STORAGES = {
        **settings.STORAGES,
        settings.RECOMMENDATION_MODEL_STORAGE: {
            "BACKEND": "django.core.files.storage.InMemoryStorage"
        },
    }
    storage = model_storage()
    first = artifact_save(trained=trained, seed=1)["version"]
    assert artifact_load()[1]["version"] == first
    on_pointer_save(storage, monkeypatch, lambda: artifact_save(trained=trained, seed=1))

    with pytest.raises(ArtifactError, match="not the latest"):
        artifact_save(trained=trained, seed=1)
