"""Every serving process follows a promotion or rollback within a minute, without restart."""

import pytest

from recommendations.registry.services import model_version_promote, model_version_rollback
from recommendations.registry.serving import ChampionWatcher

pytestmark = pytest.mark.django_db


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def promote(version) -> None:
    model_version_promote(version_id=version.version_id, actor="test", reason="test")


@pytest.fixture
def two_champions_in_a_row(register, django_capture_on_commit_callbacks):
    """Two versions promoted one after the other: the second serves, the first is retired."""
    first, second = register(), register()
    with django_capture_on_commit_callbacks(execute=True):
        promote(first)
        promote(second)
    return first.version_id, second.version_id


def test_a_process_serves_the_rolled_back_version_within_a_minute(
    two_champions_in_a_row, django_capture_on_commit_callbacks, settings
):
    settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS = 30
    clock = FakeClock()
    first, second = two_champions_in_a_row
    process = ChampionWatcher(clock=clock)
    assert process.current() == second
    with django_capture_on_commit_callbacks(execute=True):
        model_version_rollback(actor="staff", reason="test")
    clock.seconds += 10
    # Between two checks the process keeps its copy: no query per request.
    assert process.current() == second
    clock.seconds += 50
    assert process.current() == first


def test_a_process_that_started_before_any_champion_sees_the_first_one(
    register, django_capture_on_commit_callbacks, settings
):
    settings.MODEL_REGISTRY_CHAMPION_CHECK_SECONDS = 30
    clock = FakeClock()
    process = ChampionWatcher(clock=clock)
    assert process.current() is None
    version = register()
    with django_capture_on_commit_callbacks(execute=True):
        promote(version)
    clock.seconds += 30
    assert process.current() == version.version_id


def test_with_redis_down_processes_read_the_champion_from_the_database(
    two_champions_in_a_row, unavailable_cache, django_capture_on_commit_callbacks
):
    clock = FakeClock()
    first, second = two_champions_in_a_row
    process = ChampionWatcher(clock=clock, interval=30)
    assert process.current() == second
    with django_capture_on_commit_callbacks(execute=True):
        model_version_rollback(actor="staff", reason="test")
    clock.seconds += 30
    assert process.current() == first


def test_checks_between_intervals_do_not_query_the_database(
    two_champions_in_a_row, django_assert_num_queries
):
    clock = FakeClock()
    process = ChampionWatcher(clock=clock, interval=30)
    process.current()
    with django_assert_num_queries(0):
        for _ in range(100):
            assert process.current() == two_champions_in_a_row[1]


def test_the_process_that_promotes_serves_the_new_champion_at_once(
    register, django_capture_on_commit_callbacks, monkeypatch
):
    """Its own change is not left to expire on the real clock: a replayed clock (the
    simulator's) would otherwise serve either version depending on the machine's speed."""
    from recommendations.registry import serving

    clock = FakeClock()
    process = ChampionWatcher(clock=clock, interval=30)
    monkeypatch.setattr(serving, "champion_watcher", process)
    first, second = register(), register()
    with django_capture_on_commit_callbacks(execute=True):
        promote(first)
    assert serving.serving_model_version() == first.version_id
    with django_capture_on_commit_callbacks(execute=True):
        promote(second)
    assert serving.serving_model_version() == second.version_id
