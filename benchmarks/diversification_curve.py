"""Benchmark: the diversification trade-off curve of `ml`, against issue 15's targets.

One model is fitted on the user-time split's training part, then its lists are
re-ranked at each strength (`RECOMMENDATION_ML_DIVERSITY_STRENGTH`, ADR 0025)
and measured as `evaluate_recommenders` measures them. The tuned baselines are
evaluated once on the same split; each line says which target it meets:

- NDCG@10 at least 1.15 times the best baseline's;
- ILD@10 and the multi-category share at least `popular`'s;
- new_category_hit@10 at least the best baseline's.

On the live database (the demo's bookings, the catalogue bookable at the split's
time) or on a CSV log:

    .venv/bin/python benchmarks/diversification_curve.py [--interactions LOG.csv]
        [--strengths 0,0.6,0.7,0.8,0.9,1,1.5]

The default demo takes about 10 seconds. The 100k-user demo takes about 20 minutes
with the default strengths: the baselines' tuning takes 10, and each re-ranking of
its 54,000 evaluated users 1.5.
"""

import argparse
import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.conf import settings  # noqa: E402
from tqdm import tqdm  # noqa: E402

from recommendations.evaluation.csvlog import (  # noqa: E402
    MalformedLogError,
    interactions_read_csv,
)
from recommendations.evaluation.protocol import evaluation_target, strategy_evaluate  # noqa: E402
from recommendations.evaluation.run import (  # noqa: E402
    BASELINES,
    evaluation_split,
    recommenders_evaluate,
)
from recommendations.interaction_log import (  # noqa: E402
    bookable_catalogue,
    interactions_from_database,
)
from recommendations.pipeline.scoring import scorer_spec  # noqa: E402
from recommendations.pipeline.splits import USER_TIME  # noqa: E402
from recommendations.ranking.scorer import RankingScorer  # noqa: E402

K = 10
TEST_FRACTION = 0.2
NDCG_RATIO_TARGET = 1.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", help="CSV log (default: live bookings).")
    parser.add_argument("--strengths", default="0,0.6,0.7,0.8,0.9,1,1.5")
    options = parser.parse_args()
    try:
        strengths = [float(text) for text in options.strengths.split(",")]
    except ValueError:
        parser.error(f"--strengths: numbers separated by commas, not {options.strengths!r}.")
    if options.interactions:
        try:
            interactions = interactions_read_csv(Path(options.interactions), progress=True)
        except (OSError, UnicodeDecodeError, MalformedLogError) as error:
            parser.error(f"{options.interactions}: {error}")
        catalogue_at = None
    else:
        interactions = interactions_from_database()

        def catalogue_at(now):
            return bookable_catalogue(interactions=interactions, at=now)

    baselines, notes = recommenders_evaluate(
        interactions=interactions,
        kind=USER_TIME,
        test_fraction=TEST_FRACTION,
        k=K,
        strategies=BASELINES,
        catalogue_at=catalogue_at,
        progress=True,
    )
    for note in notes:
        print(note, file=sys.stderr)
    figures = baselines["strategies"]
    best_ndcg = max(row[f"ndcg@{K}"] for row in figures.values())
    new_category_hits = [row[f"new_category_hit@{K}"] for row in figures.values()]
    best_new = max((hit for hit in new_category_hits if hit is not None), default=None)
    popular = figures["popular"]

    # The same split as the baselines' (deterministic), for the one model re-ranked below.
    split = evaluation_split(
        interactions, kind=USER_TIME, test_fraction=TEST_FRACTION, catalogue_at=catalogue_at
    )
    target = evaluation_target(split)
    spec = scorer_spec("ml")
    fitted = spec.build().fit(train=split.train, now=split.now)

    print(
        f"{len(target.users)} users evaluated; model family {fitted.trained.family}; "
        f"best NDCG@{K} {best_ndcg:.4f}, `popular`'s ILD@{K} "
        f"{shown(popular[f'ild@{K}'])} and share {shown(popular[f'multi_category_share@{K}'])}, "
        f"best new_category_hit@{K} {shown(best_new)}"
    )
    print(f"strength  NDCG@{K} (ratio)    ILD@{K}   share  new_cat  targets")
    for strength in tqdm(strengths, desc="Strengths"):
        # The same spec, serving the one fitted model at this strength.
        variant = replace(
            spec,
            make=partial(RankingScorer, trained=fitted.trained),
            defaults={**spec.defaults, "strength": strength},
        )
        row = strategy_evaluate(spec=variant, params={}, split=split, target=target, k=K)
        ratio = row[f"ndcg@{K}"] / best_ndcg
        missed = targets_missed(row=row, ratio=ratio, popular=popular, best_new=best_new)
        default = " (default)" if strength == settings.RECOMMENDATION_ML_DIVERSITY_STRENGTH else ""
        tqdm.write(
            f"{strength:8.2f}  {row[f'ndcg@{K}']:.4f} ({ratio:.3f})  "
            + "  ".join(
                shown(row[name])
                for name in (f"ild@{K}", f"multi_category_share@{K}", f"new_category_hit@{K}")
            )
            + ("  all met" if not missed else "  missed: " + ", ".join(missed))
            + default
        )


def targets_missed(*, row: dict, ratio: float, popular: dict, best_new: float | None) -> list:
    """The targets `row` misses. A log without categories has no diversity figures: only
    NDCG@10 is judged there."""
    checks = [("ndcg", ratio >= NDCG_RATIO_TARGET)]
    floors = {
        "ild": (f"ild@{K}", popular[f"ild@{K}"]),
        "share": (f"multi_category_share@{K}", popular[f"multi_category_share@{K}"]),
        "new_cat": (f"new_category_hit@{K}", best_new),
    }
    for name, (metric, floor) in floors.items():
        if row[metric] is not None and floor is not None:
            checks.append((name, row[metric] >= floor))
    return [name for name, met in checks if not met]


def shown(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()
