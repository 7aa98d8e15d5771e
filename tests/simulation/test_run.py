import re

import pytest
from django.core.management import CommandError, call_command
from django.test.utils import override_settings

from experiments.models import Exposure, RecommendationClick, Surface
from marketplace.models import Booking
from simulation.database import sqlite_database_use
from simulation.isolation import services_in_process
from simulation.loop import SimulationSettings, simulation_run
from simulation.services import result_series

STRATEGIES = {"control": "popular", "treatment": "geo"}


def run_in(path, *, seed: int, keep_sessions: bool = False):
    settings = SimulationSettings(days=3, users=200, strategies=STRATEGIES, seed=seed)
    with (
        sqlite_database_use(path=path),
        services_in_process(model_folder=path.with_suffix(".models")),
    ):
        result = simulation_run(settings=settings, keep_sessions=keep_sessions)
        bookings = list(
            Booking.objects.filter(created_at__date__gte=settings.start)
            .order_by("pk")
            .values_list("user__email", "offer_id", "created_at")
        )
        tracked = {
            "homepage_exposures": Exposure.objects.filter(surface=Surface.HOMEPAGE).count(),
            "clicked": set(RecommendationClick.objects.values_list("user_id", "offer_id")),
        }
    return result, bookings, tracked


@pytest.mark.django_db
def test_a_seed_gives_the_same_run_and_another_seed_another(fresh_sqlite):
    first, first_bookings, _ = run_in(fresh_sqlite(), seed=3)
    again, again_bookings, _ = run_in(fresh_sqlite(), seed=3)
    other, other_bookings, _ = run_in(fresh_sqlite(), seed=4)
    assert first_bookings  # the simulated shoppers did book
    assert result_series(result=first) == result_series(result=again)
    assert first_bookings == again_bookings
    assert result_series(result=first)["days"] != result_series(result=other)["days"]
    assert first_bookings != other_bookings


@pytest.mark.django_db
def test_every_simulated_booking_was_seen_and_recommended_ones_were_clicked(fresh_sqlite):
    result, bookings, tracked = run_in(fresh_sqlite(), seed=5, keep_sessions=True)
    made = [outcome for _, outcome in result.sessions if outcome.booked_offer_id]
    assert len(made) == len(bookings) > 0
    assert all(outcome.booked_offer_id in outcome.seen for outcome in made)
    assert {outcome.source for outcome in made} <= {"homepage", "newsletter", "browse"}
    assert tracked["homepage_exposures"] > 0
    from_homepage = [o for o in made if o.source == "homepage"]
    assert from_homepage
    for outcome in from_homepage:
        user_id = int(result.population_user_ids[outcome.person])
        assert (user_id, outcome.booked_offer_id) in tracked["clicked"]


@pytest.mark.django_db
def test_the_command_refuses_a_database_with_real_bookings(fresh_sqlite):
    from tests.factories import BookingFactory, UserFactory

    path = fresh_sqlite()
    with sqlite_database_use(path=path):
        BookingFactory(user=UserFactory(email="jeanne@example.org"))
    with pytest.raises(CommandError, match="real booking"):
        call_command("simulate", days=1, users=10, database=path)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"days": 0}, "--days"),
        ({"days": 731}, "--days must be between 1 and 730"),
        ({"days": 2, "users": 0}, "--users"),
        ({"days": 2, "seed": -1}, "--seed must be between 0 and 2147483647"),
        ({"days": 2, "seed": 2**31}, "--seed must be between 0 and 2147483647"),
        ({"days": 2, "drift_at": 2}, "--drift-at"),
        ({"days": 2, "freeze_model_at": -1}, "--freeze-model-at"),
        ({"days": 2, "strategies": "control=popular"}, "both"),
        ({"days": 2, "strategies": "control=popular,treatment=nope"}, "unknown strategy"),
        ({"days": 2, "strategies": "left=popular,treatment=geo"}, "VARIANT=STRATEGY"),
    ],
)
def test_bad_arguments_are_one_readable_line_before_any_work(arguments, message, tmp_path):
    database = tmp_path / "simulation.sqlite3"
    with pytest.raises(CommandError, match=message) as refusal:
        call_command("simulate", **arguments, database=database)
    assert "\n" not in str(refusal.value)
    assert not database.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["folder", "text file"])
def test_the_command_refuses_a_database_path_that_is_no_sqlite_file(kind, tmp_path):
    path = tmp_path / "simulation.sqlite3"
    if kind == "folder":
        path.mkdir()
    else:
        path.write_text("user_id,item_id,timestamp\n" * 10)
    with pytest.raises(CommandError, match=re.escape(f"Cannot use {path} as a SQLite")) as refusal:
        call_command("simulate", days=1, users=10, database=path)
    assert "\n" not in str(refusal.value)


def test_only_a_run_serving_the_learned_ranker_lives_warm_up_days_before_its_first_model():
    from simulation.loop import warmup_days_for

    learned = SimulationSettings(
        days=5, users=10, strategies={"control": "popular", "treatment": "ml"}, warmup_days=7
    )
    plain = SimulationSettings(days=5, users=10, strategies=STRATEGIES, warmup_days=7)
    assert warmup_days_for(settings=learned) == 7
    assert warmup_days_for(settings=plain) == 0


LEARNED = {"control": "popular", "treatment": "ml"}


def learned_run_in(path, *, seed: int, frozen_from: int | None = None) -> tuple[dict, list, list]:
    """A short run serving the learned ranker, retrained every night (the age check fires
    after a day) and promoted when merely better, so that its champion changes."""
    settings = SimulationSettings(
        days=4, users=300, strategies=LEARNED, seed=seed, frozen_from=frozen_from
    )
    with (
        sqlite_database_use(path=path),
        services_in_process(model_folder=path.with_suffix(".models")),
        override_settings(MODEL_MAX_AGE_DAYS=1, MODEL_PROMOTION_MARGIN=0.0),
    ):
        result = simulation_run(settings=settings)
        bookings = list(
            Booking.objects.filter(created_at__date__gte=settings.start)
            .order_by("pk")
            .values_list("user__email", "offer_id", "created_at")
        )
        served = list(
            Exposure.objects.filter(surface=Surface.HOMEPAGE)
            .order_by("shown_at", "user_id", "position")
            .values_list("user_id", "offer_id", "position", "strategy", "model_version")
        )
    return result_series(result=result), bookings, served


@pytest.mark.django_db
def test_a_seed_gives_the_same_run_through_a_retraining_and_a_promotion(fresh_sqlite):
    first = learned_run_in(fresh_sqlite(), seed=3)
    again = learned_run_in(fresh_sqlite(), seed=3)
    verdicts = [day["retraining"]["verdict"] for day in first[0]["days"]]
    assert "promoted" in verdicts  # the champion changed during the run
    promoted_on = verdicts.index("promoted")
    champions = [day["model_version"] for day in first[0]["days"]]
    # From the night it is promoted, the new champion serves the day's lists.
    assert champions[promoted_on] != champions[0]
    served_versions = {row[4] for row in first[2] if row[3] == "ml"}
    assert set(champions) <= served_versions
    assert first == again


@pytest.mark.django_db
def test_a_run_frozen_from_a_day_shares_the_days_before_it_and_retrains_no_more(fresh_sqlite):
    retrained = learned_run_in(fresh_sqlite(), seed=3)[0]["days"]
    frozen = learned_run_in(fresh_sqlite(), seed=3, frozen_from=2)[0]["days"]

    assert frozen[:2] == retrained[:2]
    assert [day["retraining"] for day in frozen[2:]] == [None, None]
    assert all(day["retraining"] is not None for day in retrained[2:])
    # The champion of the freeze keeps serving.
    assert {day["model_version"] for day in frozen[1:]} == {frozen[1]["model_version"]}


def test_the_printed_table_gives_every_nights_retraining_decision():
    from simulation.management.commands.simulate import decision_lines

    night = {"verdict": "promoted", "reason": "challenger ndcg@10 0.31, champion 0.29"}
    series = {
        "days": [
            {"day": 0, "date": "2026-03-02", "retraining": None},
            {"day": 1, "date": "2026-03-03", "retraining": night},
        ]
    }
    assert decision_lines(series) == [
        "  1  2026-03-03  promoted: challenger ndcg@10 0.31, champion 0.29"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("drift", ["swap", "one-way", "crowd-averse"])
def test_the_drift_named_on_the_command_line_is_the_one_applied(fresh_sqlite, drift):
    import io
    import json
    from dataclasses import asdict

    from simulation.behaviour import DRIFTS

    out = io.StringIO()
    call_command(
        "simulate", days=2, users=100, drift_at=1, drift=drift, database=fresh_sqlite(),
        json=True, stdout=out,
    )  # fmt: skip
    series = json.loads(out.getvalue())
    assert series["settings"]["drifts"] == [asdict(d) for d in DRIFTS[drift]]
    assert [day["drifted"] for day in series["days"]] == [False, True]
    # Too short for a week after the drift: each variant's recovery is there, unjudged.
    recovery = series["drift_recovery"]
    assert set(recovery) == {"control", "treatment"}
    assert recovery["treatment"]["bookings_per_day"]["recovered_on"] is None


def test_the_printed_recovery_gives_each_variants_levels_and_verdict():
    from simulation.management.commands.simulate import recovery_lines

    bookings = {"before": 283.0, "lowest": 206.1, "second_week": 224.0, "recovered_on": None}
    star = {"before": 0.2, "lowest": 0.15, "second_week": 0.19, "recovered_on": 41}
    steady = {"before": 226.1, "lowest": 229.6, "second_week": 229.6, "recovered_on": 36}
    recovery = {
        "treatment": {
            "bookings_per_day": bookings | {"fell": True, "second_week_share": 224.0 / 283.0},
            "week_north_star": star | {"fell": True, "second_week_share": 0.95},
        },
        "control": {
            "bookings_per_day": steady | {"fell": False, "second_week_share": 229.6 / 226.1},
            "week_north_star": star | {"fell": True, "second_week_share": 0.95},
        },
    }
    assert recovery_lines(recovery)[:3] == [
        "  treatment  bookings a day    before 283.0, lowest week 206.1, second week 224.0 "
        "(79%): not recovered",
        "  treatment  7-day north star  before 20.0%, lowest week 15.0%, second week 19.0% "
        "(95%): recovered on day 41",
        # A variant that never fell has nothing to recover from.
        "  control    bookings a day    before 226.1, lowest week 229.6, second week 229.6 "
        "(102%): never under 90%",
    ]
