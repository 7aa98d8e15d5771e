"""Benchmark: does `ml` beat the best tuned baseline on logs nobody tuned to? A proxy.

Issue 15 asks `ml` to lead the best tuned baseline by 5 % or more (NDCG@10,
`--split user-time`) on public check-in logs kept aside, with and without their
coordinates. Those logs are not here, so this cuts five logs out of any log it is
given, each evaluated with and without its coordinate columns:

- the whole log;
- its users in two halves, by a hash of their id (fewer users: the neighbours
  and the model see less);
- its interactions before and after the median time (another period).

Ten evaluations in all (`evaluate_recommenders --split user-time --strategies
popular,geo,itemknn,ease,ml --json`, each baseline tuned on its validation
split). It prints, per log, the best baseline, its NDCG@10, `ml`'s and their
ratio, then the mean ratio, the worst, and how many logs reach the target.

    .venv/bin/python benchmarks/generalisation.py --interactions LOG.csv

The logs are written to a temporary folder and deleted: a log whose licence
keeps it out of the project stays out. The cuts of one file are not
independent logs, and a log of 40-90 users gives NDCG@10 a standard error of
about a fifth of its value: read the mean and the count, not one line.
"""

import argparse
import csv
import json
import os
import sys
import tempfile
import time
import zlib
from io import StringIO
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.core.management import call_command  # noqa: E402
from tqdm import tqdm  # noqa: E402

from recommendations.evaluation.csvlog import timestamp_parse  # noqa: E402
from recommendations.evaluation.run import BASELINES  # noqa: E402

COORDINATES = ("item_lat", "item_lon", "user_lat", "user_lon")
TARGET_RATIO = 1.05


def log_cuts(rows: list[dict]) -> dict[str, list[dict]]:
    """The five logs cut from `rows` (see the module's docstring), by name."""
    times = np.array([timestamp_parse(row["timestamp"]) for row in rows])
    median = float(np.median(times))

    def user_half(row: dict) -> int:
        return zlib.crc32(row["user_id"].encode()) % 2

    return {
        "whole": rows,
        "users A": [row for row in rows if user_half(row) == 0],
        "users B": [row for row in rows if user_half(row) == 1],
        "early half": [row for row, at in zip(rows, times, strict=True) if at <= median],
        "late half": [row for row, at in zip(rows, times, strict=True) if at > median],
    }


def log_write(path: Path, rows: list[dict], columns: list[str]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def log_evaluate(path: Path) -> dict:
    out = StringIO()
    call_command(
        "evaluate_recommenders",
        "--interactions",
        str(path),
        "--split",
        "user-time",
        "--strategies",
        ",".join([*BASELINES, "ml"]),
        "--json",
        stdout=out,
        stderr=StringIO(),
    )
    return json.loads(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=Path, required=True, help="A CSV interaction log.")
    options = parser.parse_args()
    with open(options.interactions, newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        rows = list(reader)
    located = all(column in columns for column in COORDINATES)
    versions = [("coordinates", columns)] if located else []
    versions.append(("none", [column for column in columns if column not in COORDINATES]))
    lines, ratios = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        cuts = log_cuts(rows)
        jobs = [(name, version, kept) for name in cuts for version, kept in versions]
        for name, version, kept in tqdm(jobs, desc="Evaluating logs"):
            path = Path(directory) / "log.csv"
            log_write(path, cuts[name], kept)
            document = log_evaluate(path)
            figures = document["strategies"]
            baselines = {key: figures[key]["ndcg@10"] for key in BASELINES if key in figures}
            best = max(baselines, key=baselines.get)
            ratio = figures["ml"]["ndcg@10"] / baselines[best] if baselines[best] else float("inf")
            ratios.append(ratio)
            lines.append(
                f"{name + ', ' + version:<26}{document['split']['users_evaluated']:>6}"
                f"  {best:<8}{baselines[best]:>8.4f}{figures['ml']['ndcg@10']:>8.4f}{ratio:>8.3f}"
            )
    print(f"{'log':<26}{'users':>6}  {'best':<8}{'NDCG@10':>8}{'ml':>8}{'ratio':>8}")
    print("\n".join(lines))
    reached = sum(ratio >= TARGET_RATIO for ratio in ratios)
    print(
        f"\nmean ratio {np.mean(ratios):.3f}, worst {min(ratios):.3f}, "
        f"{reached} of {len(ratios)} logs at {TARGET_RATIO} or more (target: every log); "
        f"{time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
