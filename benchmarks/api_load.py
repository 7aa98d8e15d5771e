"""Benchmark: the API under an open-loop load, and the precomputation on two workers.

Run it on PostgreSQL and Redis with the demo data, in a database of its own:

    createdb -h 127.0.0.1 -U postgres apibench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/apibench
    export REDIS_URL=redis://127.0.0.1:6379/12
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --users 100000 --offers 20000 --bookings 1000000
    .venv/bin/python benchmarks/api_load.py [--duration 60] [--rates 100,200,400]
    .venv/bin/python benchmarks/api_load.py --skip-precompute --exposures both

1. Precomputation: a Celery worker with two processes is started, and
   `precompute_recommendations --workers` stores every user's lists through
   it; the wall-clock time is compared with the target (under 2 minutes for
   100,000 users). `--skip-precompute` reuses lists already stored.
2. Load: gunicorn serves the API (`--gunicorn-workers` sync workers). Tokens
   are made for `--users` users; each request takes one at random. For each
   rate, each endpoint (/api/v1/recommendations/ then /api/v1/me/) receives
   requests at a fixed arrival rate for `--duration` seconds: open loop, each
   request's latency counts from its scheduled time, so queueing delay is
   measured rather than hidden by a client waiting for the previous answer.
   Then each endpoint is driven at its maximum (`--concurrency` requests in
   flight, closed loop) for the same time.

3. `--exposures both` (issue 9): instead of step 2, the recommendation
   endpoint is driven at its maximum with exposure logging on, then off
   (`EXPOSURE_LOGGING_ENABLED`, a gunicorn of its own for each), alternately
   for `--rounds` rounds, and the median requests/s of each is compared with
   the target: at most 10 % fewer with logging on. The exposures go to a
   stream key of the run's own, deleted at the end; draining them is a
   worker's job, measured by benchmarks/exposure_logging.py.

Figures: requests/s, p50, p95, p99 (ms) and errors (non-200, refused, timed
out) per phase, then the targets: p99 <= 20 ms at 200 requests/s, no error,
and the recommendation endpoint's maximum at least 60 % of /me/'s. The load
generator runs on the same machine: its CPU is taken from the server's, so
figures are a lower bound of what the server alone would do. Note the load
average printed with them: the machine may be shared.
"""

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from api.services import api_token_create  # noqa: E402
from marketplace.models import User  # noqa: E402

RECOMMENDATIONS = "/api/v1/recommendations/"
ME = "/api/v1/me/"
REQUEST_TIMEOUT = 10.0
PRECOMPUTE_TARGET_SECONDS = 120
P99_TARGET_MS = 20
P99_TARGET_RATE = 200
MAX_RATIO_TARGET = 0.6
LOGGING_COST_TARGET = 0.10


@dataclass
class Phase:
    path: str
    label: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        if self.latencies_ms:
            p50, p95, p99 = np.percentile(self.latencies_ms, [50, 95, 99])
        else:
            p50 = p95 = p99 = float("nan")
        return (
            f"{self.label:>8}  {self.path:<28} {self.throughput:8.1f} req/s  "
            f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:7.1f} ms  errors {self.errors}"
        )

    def p99(self) -> float:
        return float(np.percentile(self.latencies_ms, 99)) if self.latencies_ms else float("inf")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def precompute_on_two_workers(*, users: int | None) -> float:
    """Seconds `precompute_recommendations --workers [--users N]` takes with a two-process
    worker."""
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--concurrency",
            "2",
            "--pool",
            "prefork",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
    )
    try:
        time.sleep(5)  # the worker connects to the broker
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "manage.py", "precompute_recommendations", "--workers"]
            + ([] if users is None else ["--users", str(users)]),
            cwd=ROOT,
            check=True,
        )
        return time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def start_gunicorn(
    *, port: int, workers: int, environment: dict[str, str] | None = None
) -> subprocess.Popen:
    control = Path(tempfile.gettempdir()) / f"passerelle-api-bench-{port}.ctl"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--control-socket",
            str(control),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "false",
            **(environment or {}),
        },
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


async def one_request(*, port: int, path: str, token: str) -> bool:
    """One GET on a new connection (gunicorn's sync workers close after each answer)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # to the end: the answer is complete when the server closes
        return status_line.split()[1:2] == [b"200"]
    finally:
        writer.close()


async def timed(*, port: int, path: str, token: str, phase: Phase, since: float) -> None:
    try:
        ok = await asyncio.wait_for(one_request(port=port, path=path, token=token), REQUEST_TIMEOUT)
    except (OSError, TimeoutError):
        ok = False
    if ok:
        phase.latencies_ms.append((time.perf_counter() - since) * 1000)
    else:
        phase.errors += 1


async def open_loop(*, port: int, phase: Phase, tokens: list[str], rate: float, duration: float):
    """Requests at fixed times start + i/rate, whatever the answers; latency from those times."""
    start = time.perf_counter()
    tasks = []
    for index in range(int(rate * duration)):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(
                timed(
                    port=port,
                    path=phase.path,
                    token=random.choice(tokens),
                    phase=phase,
                    since=scheduled,
                )
            )
        )
    await asyncio.gather(*tasks)
    phase.elapsed = time.perf_counter() - start


async def closed_loop(*, port: int, phase: Phase, tokens: list[str], concurrency: int, duration):
    """`concurrency` clients each sending their next request as soon as the last is answered."""
    start = time.perf_counter()
    deadline = start + duration

    async def client() -> None:
        while time.perf_counter() < deadline:
            await timed(
                port=port,
                path=phase.path,
                token=random.choice(tokens),
                phase=phase,
                since=time.perf_counter(),
            )

    await asyncio.gather(*(client() for _ in range(concurrency)))
    phase.elapsed = time.perf_counter() - start


async def settle(*, port: int, token: str, limit: float = 120) -> None:
    """Wait until the server answers a lone request within 0.5 s: a phase that overloaded it
    leaves a queue of connections, which must not be charged to the next phase."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(one_request(port=port, path=ME, token=token), REQUEST_TIMEOUT)
        except (OSError, TimeoutError):
            continue
        if time.perf_counter() - started < 0.5:
            return


def tokens_for(count: int) -> list[str]:
    """Tokens of the first `count` shoppers by id: their lists are the first precomputed."""
    users = list(User.objects.filter(is_active=True, is_staff=False).order_by("pk")[:count])
    return [api_token_create(user=user) for user in users]


def at_maximum(
    *, port: int, path: str, label: str, tokens: list[str], args: argparse.Namespace
) -> Phase:
    """`path` driven at its maximum (`--concurrency` requests in flight) for `--duration`,
    once the server has drained what an earlier phase left queued."""
    asyncio.run(settle(port=port, token=tokens[0]))
    phase = Phase(path=path, label=label)
    asyncio.run(
        closed_loop(
            port=port,
            phase=phase,
            tokens=tokens,
            concurrency=args.concurrency,
            duration=args.duration,
        )
    )
    return phase


def maximum_throughput(
    *, tokens: list[str], args: argparse.Namespace, environment: dict[str, str], label: str
) -> Phase:
    """The recommendation endpoint at its maximum, on a gunicorn started with `environment`
    and warmed first."""
    port = free_port()
    server = start_gunicorn(port=port, workers=args.gunicorn_workers, environment=environment)
    try:
        warm = Phase(path=RECOMMENDATIONS, label="warm-up")
        asyncio.run(
            closed_loop(
                port=port, phase=warm, tokens=tokens, concurrency=args.gunicorn_workers, duration=5
            )
        )
        return at_maximum(
            port=port, path=RECOMMENDATIONS + "?limit=10", label=label, tokens=tokens, args=args
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def exposure_logging_compare(*, tokens: list[str], args: argparse.Namespace) -> None:
    """Maximum requests/s of the recommendation endpoint with exposure logging on and off,
    alternately, in the same run (issue 9's target)."""
    import redis

    stream = f"bench:exposures:{os.getpid()}"
    figures: dict[str, list[float]] = {"on": [], "off": []}
    errors = 0
    try:
        for round_number in range(1, args.rounds + 1):
            for mode in ("on", "off"):
                phase = maximum_throughput(
                    tokens=tokens,
                    args=args,
                    environment={
                        "EXPOSURE_LOGGING_ENABLED": "true" if mode == "on" else "false",
                        "EXPOSURE_STREAM_KEY": stream,
                    },
                    label=f"log {mode}",
                )
                figures[mode].append(phase.throughput)
                errors += phase.errors
                print(f"{phase.line()}   round {round_number}  [{load()}]", flush=True)
    finally:
        if settings.EXPOSURE_BUFFER_URL:
            client = redis.Redis.from_url(settings.EXPOSURE_BUFFER_URL)
            buffered = client.xlen(stream)
            client.delete(stream)
            print(f"{buffered} lists buffered with logging on (stream deleted)")
    on, off = float(np.median(figures["on"])), float(np.median(figures["off"]))
    cost = 1 - on / off if off else float("nan")
    print("\nTargets")
    print(
        f"  max requests/s, median of {args.rounds} rounds: logging on {on:.1f}, off {off:.1f}; "
        f"{cost:.1%} fewer with logging on (target <= {LOGGING_COST_TARGET:.0%}) "
        f"{'met' if cost <= LOGGING_COST_TARGET else 'MISSED'}"
    )
    print(f"  errors: {errors} (target 0) {'met' if errors == 0 else 'MISSED'}")
    print(f"  {load()} (shared machine: other work runs at the same time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rates", default="100,200,400")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--gunicorn-workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--precompute-users",
        type=int,
        help="precompute only the first N users (default: all); at least --users",
    )
    parser.add_argument("--skip-precompute", action="store_true")
    parser.add_argument(
        "--exposures",
        choices=["on", "both"],
        default="on",
        help="both: compare the maximum with exposure logging on and off (skips the rates)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="on/off rounds with --exposures both")
    args = parser.parse_args()
    if not settings.REDIS_URL or settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        raise SystemExit("Set DATABASE_URL (PostgreSQL, seeded) and REDIS_URL.")
    users = User.objects.filter(is_active=True).count()
    print(f"{users} users; {load()}", flush=True)

    precompute_seconds = None
    if not args.skip_precompute:
        precompute_seconds = precompute_on_two_workers(users=args.precompute_users)
        done = min(args.precompute_users or users, users)
        print(
            f"precompute: {done} users in {precompute_seconds:.1f} s on 2 worker processes, "
            f"{done / precompute_seconds:.0f} users/s (target: {users} in < "
            f"{PRECOMPUTE_TARGET_SECONDS} s, {users / PRECOMPUTE_TARGET_SECONDS:.0f} users/s); "
            f"{load()}",
            flush=True,
        )

    tokens = tokens_for(args.users)
    # Stopped with SIGTERM, the run still stops its gunicorn (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.exposures == "both":
        exposure_logging_compare(tokens=tokens, args=args)
        return
    port = free_port()
    server = start_gunicorn(port=port, workers=args.gunicorn_workers)
    phases: list[Phase] = []
    try:
        # Warm every worker (imports, geo index, connections) before measuring.
        warm = Phase(path=RECOMMENDATIONS, label="warm-up")
        asyncio.run(
            closed_loop(
                port=port, phase=warm, tokens=tokens, concurrency=args.gunicorn_workers, duration=10
            )
        )
        rates = [float(rate) for rate in args.rates.split(",")]
        for rate in rates:
            for path in (RECOMMENDATIONS + "?limit=10", ME):
                phase = Phase(path=path, label=f"{rate:.0f}/s")
                asyncio.run(settle(port=port, token=tokens[0]))
                asyncio.run(
                    open_loop(
                        port=port, phase=phase, tokens=tokens, rate=rate, duration=args.duration
                    )
                )
                phases.append(phase)
                print(f"{phase.line()}   [{load()}]", flush=True)
        maxima = {}
        for path in (RECOMMENDATIONS + "?limit=10", ME):
            phase = at_maximum(port=port, path=path, label="max", tokens=tokens, args=args)
            phases.append(phase)
            maxima[path] = phase.throughput
            print(f"{phase.line()}   [{load()}]", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print("\nTargets")
    at_target = [p for p in phases if p.label == f"{P99_TARGET_RATE}/s"]
    for phase in at_target:
        verdict = "met" if phase.p99() <= P99_TARGET_MS else "MISSED"
        print(
            f"  p99 at {P99_TARGET_RATE}/s {phase.path}: {phase.p99():.1f} ms "
            f"(target <= {P99_TARGET_MS}) {verdict}"
        )
    errors = sum(phase.errors for phase in phases)
    print(f"  errors: {errors} (target 0) {'met' if errors == 0 else 'MISSED'}")
    ratio = maxima[RECOMMENDATIONS + "?limit=10"] / maxima[ME] if maxima[ME] else 0.0
    print(
        f"  max recommendations / max me: {ratio:.0%} (target >= {MAX_RATIO_TARGET:.0%}) "
        f"{'met' if ratio >= MAX_RATIO_TARGET else 'MISSED'}"
    )
    if precompute_seconds is not None:
        done = min(args.precompute_users or users, users)
        rate, needed = done / precompute_seconds, users / PRECOMPUTE_TARGET_SECONDS
        print(
            f"  precompute: {rate:.0f} users/s on 2 workers (target >= {needed:.0f}, i.e. "
            f"{users} users in < {PRECOMPUTE_TARGET_SECONDS} s) "
            f"{'met' if rate >= needed else 'MISSED'}"
        )
    print(f"  {load()} (shared machine: other work runs at the same time)")


if __name__ == "__main__":
    main()
