"""How much booking a drift leaves possible: an oracle's bookings per visit, before and after.

Seeds the simulator's world (the demo marketplace of a seed, its people as
shoppers) in a new SQLite file, then, for the tastes before the drift and
after each named drift (`simulation.behaviour.DRIFTS`, of tastes or of the
choice weights), shows every shopper
the `--shown` offers of highest utility for them (what no recommender can
beat) and prints the logit's probability that they book one, weighted by how
often each visits. A drift that lowers it removes demand: whatever follows it
measures the catalogue as much as the recommender (ADR 0031). Also prints the
mean change of a person's tastes (total variation), the size of the drift.

    .venv/bin/python benchmarks/drift_appetite.py [--users 1000] [--seed 1] [--shown 6]
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

import numpy as np  # noqa: E402
import time_machine  # noqa: E402

from simulation.behaviour import DRIFTS, Population, population_drift  # noqa: E402
from simulation.choice import offer_utilities  # noqa: E402
from simulation.database import sqlite_database_use  # noqa: E402
from simulation.isolation import services_in_process  # noqa: E402
from simulation.loop import SIMULATION_START, local_time, streams_for  # noqa: E402
from simulation.offers import OfferShelf, offer_shelf_read  # noqa: E402
from simulation.world import world_create  # noqa: E402


def oracle_booking_probability(*, population: Population, shelf: OfferShelf, shown: int) -> float:
    """P(a visit ends in a booking) if each shopper saw their `shown` best offers, weighted
    by visit rates."""
    rows = np.arange(len(shelf))
    probabilities = np.empty(len(population))
    for person in range(len(population)):
        utilities = offer_utilities(population=population, person=person, shelf=shelf, rows=rows)
        best = np.exp(np.sort(utilities)[-shown:])
        probabilities[person] = best.sum() / (best.sum() + np.exp(population.weights.nothing))
    return float(np.average(probabilities, weights=population.visit_rate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shown", type=int, default=6)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "simulation.sqlite3"
        with (
            sqlite_database_use(path=path),
            services_in_process(model_folder=path.with_suffix(".models")),
            time_machine.travel(local_time(SIMULATION_START, 3), tick=False),
        ):
            world = world_create(
                users=options.users,
                seed=options.seed,
                start=SIMULATION_START,
                rng=streams_for(options.seed)["population"],
            )
            shelf = offer_shelf_read()
    before = world.population
    level = oracle_booking_probability(population=before, shelf=shelf, shown=options.shown)
    print(f"before the drift: {level:.4f} bookings per visit ({options.shown} best offers shown)")
    for name, drifts in DRIFTS.items():
        after = population_drift(population=before, drifts=drifts)
        drifted = oracle_booking_probability(population=after, shelf=shelf, shown=options.shown)
        change = 0.5 * np.abs(after.taste - before.taste).sum(axis=1)
        print(
            f"{name}: {drifted:.4f} bookings per visit, {drifted / level:.1%} of before; "
            f"mean change of a person's tastes {np.average(change, weights=before.visit_rate):.3f}"
        )


if __name__ == "__main__":
    main()
