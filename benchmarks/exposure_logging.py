"""Benchmark: what logging exposures costs a request, and how fast the drain empties the buffer.

Run it on PostgreSQL and Redis, with a seeded database of its own:

    createdb -h 127.0.0.1 -U postgres bench_exposures
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_exposures
    export REDIS_URL=redis://127.0.0.1:6379/12
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --users 100000 --offers 20000 --bookings 1000000
    .venv/bin/python benchmarks/exposure_logging.py [--lists 5000]

It logs `--lists` lists of 10 offers for distinct users (as the homepage
would), and prints the median and p99 time of one `exposures_log` call:

1. buffered: one XADD to the Redis stream (the normal request path);
2. direct: Redis not configured, the rows inserted by the request (the demo);
3. Redis down: the buffer pointed at a port where nothing listens, so each
   call fails over to the direct insert (the outage path).

Then the drain's throughput (rows per second) emptying what phase 1 buffered,
and the time to build the experiment report over those exposures. The
exposures it wrote (request ids starting with "bench-") and its stream are
deleted at the end. The target it is read against: logging must cost the API
at most 10% of its throughput (issue 9), i.e. well under a millisecond per
request at the 200 requests/s of issue 8's benchmark.
"""

import argparse
import os
import socket
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_calls(lists, log) -> list[float]:
    from tqdm import tqdm

    timings = []
    for recommendation_list in tqdm(lists, unit="list", leave=False):
        started = time.perf_counter()
        log(recommendation_list)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def line(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"{name:<28}{statistics.median(timings):>10.3f}{p99:>10.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lists", type=int, default=5000)
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from experiments.models import Exposure, Surface
    from experiments.report import experiment_report_build
    from experiments.services import exposures_drain, exposures_log
    from marketplace.models import Offer, User, UserBucketFlag
    from recommendations.lists import RecommendationList, RecommendedItem

    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("Run it with DATABASE_URL on PostgreSQL and REDIS_URL set (see the docstring).")
    offer_ids = list(Offer.objects.bookable().values_list("pk", flat=True)[:10])
    user_ids = list(
        User.objects.filter(is_staff=False).values_list("pk", flat=True)[: arguments.lists]
    )
    if len(offer_ids) < 10 or len(user_ids) < arguments.lists:
        sys.exit("Seed the database first (see the docstring).")
    run = uuid.uuid4().hex[:8]
    settings.EXPOSURE_STREAM_KEY = f"bench:exposures:{run}"

    def lists_for(phase: str) -> list[RecommendationList]:
        return [
            RecommendationList(
                request_id=f"bench-{run}-{phase}-{number}",
                items=tuple(
                    RecommendedItem(offer_id=pk, score=1.0, reason=None) for pk in offer_ids
                ),
                strategy="geo",
                generated_at=timezone.now(),
                variant="treatment",
                user_id=user_id,
            )
            for number, user_id in enumerate(user_ids)
        ]

    def log(recommendation_list):
        exposures_log(recommendation_list=recommendation_list, surface=Surface.HOMEPAGE)

    print(f"{arguments.lists} lists of 10 offers; load: {os.getloadavg()[0]:.2f}")
    print(f"{'exposures_log, ms per list':<28}{'median':>10}{'p99':>10}")
    try:
        print(line("buffered (Redis stream)", timed_calls(lists_for("buffered"), log)))
        started = time.perf_counter()
        drained = 0
        while handled := exposures_drain():
            drained += handled
        seconds = time.perf_counter() - started
        buffer_url = settings.EXPOSURE_BUFFER_URL
        settings.EXPOSURE_BUFFER_URL = ""
        print(line("direct (no Redis)", timed_calls(lists_for("direct"), log)))
        settings.EXPOSURE_BUFFER_URL = f"redis://127.0.0.1:{free_port()}/0"
        import logging

        logging.getLogger("experiments.services").setLevel(logging.ERROR)
        print(line("Redis down (fallback)", timed_calls(lists_for("down"), log)))
        settings.EXPOSURE_BUFFER_URL = buffer_url
        print(f"drain: {drained} rows in {seconds:.2f} s, {drained / seconds:,.0f} rows/s")

        flag, _ = UserBucketFlag.objects.get_or_create(
            name=f"bench_{run}", defaults={"percent": 50}
        )
        started = time.perf_counter()
        report = experiment_report_build(flag_name=flag.name, date_from=timezone.localdate())
        print(
            f"experiment report over {Exposure.objects.count():,} exposures, "
            f"{sum(report.users_assigned.values()):,} users assigned: "
            f"{time.perf_counter() - started:.2f} s"
        )
        flag.delete()
    finally:
        Exposure.objects.filter(request_id__startswith=f"bench-{run}-").delete()
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete(settings.EXPOSURE_STREAM_KEY)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
