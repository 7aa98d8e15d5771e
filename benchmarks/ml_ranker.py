"""Benchmark: the ml ranker's training time, batch throughput and per-user latency.

Run it on PostgreSQL with a database of its own, seeded at full size:

    createdb -h 127.0.0.1 -U postgres bench_ml
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ml
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --users 100000 --offers 20000 --bookings 1000000
    .venv/bin/python benchmarks/ml_ranker.py [--batch-users 100000] [--latency-users 300]

It stores models in a temporary folder (never the configured store) and prints:

1. training: `train_model`'s service on every live booking (target: under 2
   minutes), with the time spent reading the bookings shown apart;
2. batch: lists of 10 for `--batch-users` customers, computed by two worker
   processes, each loading the model and the snapshot once and then answering
   chunks of 1,000 requests through the entry point that precomputation uses
   (target: 100,000 users in under 3 minutes);
3. latency: one user's list in-process, `--latency-users` users one at a time
   after a warm-up (target: p99 under 20 ms), in a freshly spawned process that
   loads the model as a web process does: timed in the process that has just
   trained, the lists also paid for the training's garbage, which no serving
   process holds.

The load average is printed with each figure: on shared cores, figures move.
"""

import argparse
import os
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
CHUNK = 1_000


def setup(models_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["MODEL_STORAGE_LOCATION"] = models_dir
    import django

    django.setup()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} {five:.1f} {fifteen:.1f}"


def batch_worker(args: tuple[str, list[int]]) -> tuple[int, float]:
    models_dir, user_ids = args
    setup(models_dir)
    from recommendations.lists import RecommendationRequest
    from recommendations.strategies import recommendation_lists_compute

    started = time.perf_counter()
    answered = 0
    for start in range(0, len(user_ids), CHUNK):
        requests = [
            RecommendationRequest(user_id=pk, limit=10) for pk in user_ids[start : start + CHUNK]
        ]
        answered += sum(
            1
            for found in recommendation_lists_compute(requests=requests, strategy="ml")
            if found.items
        )
    return answered, time.perf_counter() - started


def recommend(user_id: int) -> None:
    """One user's ml list with its offers loaded, as a page asks for it."""
    from recommendations.lists import RecommendationRequest
    from recommendations.offers import recommended_offers_load
    from recommendations.strategies import recommendation_list_compute

    request = RecommendationRequest(user_id=user_id, limit=10)
    recommended_offers_load(lists=[recommendation_list_compute(request=request, strategy="ml")])


def latency_worker(args: tuple[str, list[int]]) -> list[float]:
    """Milliseconds per list for each of `user_ids`, after one list that loads the model."""
    models_dir, user_ids = args
    setup(models_dir)
    recommend(user_ids[0])
    timings = []
    for user_id in user_ids:
        begun = time.perf_counter()
        recommend(user_id)
        timings.append((time.perf_counter() - begun) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-users", type=int, default=100_000)
    parser.add_argument("--latency-users", type=int, default=300)
    options = parser.parse_args()
    models_dir = tempfile.mkdtemp(prefix="ml-bench-models-")
    setup(models_dir)
    from marketplace.models import User
    from recommendations.ranking import services
    from recommendations.ranking.database import ranking_interactions_from_database

    started = time.perf_counter()
    ranking_interactions_from_database()
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    metadata = services.ranker_model_train(seed=0)
    train_seconds = time.perf_counter() - started
    print(f"training: {train_seconds:.1f} s (of which reading bookings ~{read_seconds:.1f} s), "
          f"model {metadata['version']} ({metadata['family']}), {load()}")  # fmt: skip
    print(f"  metrics: {metadata['metrics']}")

    ids = list(User.objects.filter(is_staff=False).order_by("pk").values_list("pk", flat=True))
    ids = ids[: options.batch_users]
    halves = [(models_dir, ids[0::2]), (models_dir, ids[1::2])]
    started = time.perf_counter()
    with get_context("spawn").Pool(2) as pool:
        results = pool.map(batch_worker, halves)
    batch_seconds = time.perf_counter() - started
    answered = sum(count for count, _ in results)
    print(f"batch: {len(ids)} users in {batch_seconds:.1f} s with 2 processes "
          f"({answered} non-empty lists), {load()}")  # fmt: skip

    rng = np.random.default_rng(0)
    sample = rng.choice(ids, size=min(options.latency_users, len(ids)), replace=False).tolist()
    with get_context("spawn").Pool(1) as pool:
        timings = pool.apply(latency_worker, ((models_dir, sample),))
    p50, p99 = np.percentile(timings, [50, 99])
    print(f"latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(sample)} users, {load()}")
    print()
    print(f"{'figure':<34}{'measured':>12}{'target':>12}")
    print(f"{'training (1M bookings)':<34}{train_seconds:>10.1f} s{'< 120 s':>12}")
    per_100k = batch_seconds * 100_000 / max(len(ids), 1)
    print(f"{'batch, 100k users, 2 processes':<34}{per_100k:>10.1f} s{'< 180 s':>12}")
    print(f"{'one list in-process, p99':<34}{p99:>9.1f} ms{'< 20 ms':>12}")


if __name__ == "__main__":
    main()
