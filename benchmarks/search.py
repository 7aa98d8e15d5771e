"""Times the catalogue's search and filters against the database DATABASE_URL names.

Meant for the seeded marketplace on PostgreSQL (seed_demo --users 100000 --offers
20000 --bookings 1000000). For each typical search it does what the homepage
does (count the results, read the first page of 24) `--repeat` times and prints
the median and 95th percentile next to the target (p95 < 50 ms, issue 12).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/search.py [--repeat 50]
"""

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

from benchmarks.pagetiming import marketplace_summary  # noqa: E402
from marketplace.search import Near, OfferSearch, offer_search  # noqa: E402
from storefront.views import OFFERS_PER_PAGE  # noqa: E402

TARGET_P95_MS = 50.0
LYON = (45.7640, 4.8357)
SEARCHES = {
    "everything (first page)": OfferSearch(),
    "text: concert": OfferSearch(text="concert"),
    "text: theatre (accents)": OfferSearch(text="theatre"),
    "text: two words": OfferSearch(text="musée lyon"),
    "this weekend": OfferSearch(when="weekend"),
    "concert, this weekend, 25 km from Lyon": OfferSearch(
        text="concert", when="weekend", near=Near(*LYON, radius_km=25)
    ),
    "live music under 20 €, this week": OfferSearch(
        category_slug="live-music", price="under", price_max=Decimal("20"), when="week"
    ),
    "free, city Paris": OfferSearch(price="free", city="Paris"),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def one_search(search: OfferSearch) -> tuple[float, int]:
    started = time.perf_counter()
    offers = offer_search(search=search)
    count = offers.count()
    list(offers[:OFFERS_PER_PAGE])
    return (time.perf_counter() - started) * 1000, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL (DATABASE_URL=postgres://…): SQLite is the demo's search.")
    print(marketplace_summary())
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    header = f"{'search':<42}{'results':>8}{'median ms':>11}{'p95 ms':>9}"
    print(f"{header}  target p95 < {TARGET_P95_MS:.0f} ms")
    worst = 0.0
    for name, search in SEARCHES.items():
        one_search(search)  # warm the connection and the plan cache
        timings, count = [], 0
        for _ in tqdm(range(args.repeat), desc=name, leave=False):
            elapsed, count = one_search(search)
            timings.append(elapsed)
        p95 = percentile(timings, 0.95)
        worst = max(worst, p95)
        verdict = "ok" if p95 < TARGET_P95_MS else "MISSED"
        print(f"{name:<42}{count:>8}{statistics.median(timings):>11.1f}{p95:>9.1f}  {verdict}")
    print(f"worst p95: {worst:.1f} ms (target < {TARGET_P95_MS:.0f} ms)")


if __name__ == "__main__":
    main()
