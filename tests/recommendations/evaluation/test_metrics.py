"""Every metric on a hand-made example whose values were worked out by hand."""

import math
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.evaluation.metrics import ild_at_k, metrics_compute, new_category_items
from recommendations.pipeline.interactions import NO_CATEGORY

A, B = 0, 1
# Items 0..7; item 4 has no category.
CATEGORIES = np.array([A, A, B, B, NO_CATEGORY, A, A, A])
TRAIN_COUNTS = np.array([4, 2, 1, 1, 0, 0, 0, 0], dtype=float)
RECOMMENDED = np.array([[0, 1, 2], [3, 4, -1], [0, 5, -1]])


def sparse(rows: list[set[int]]) -> sp.csr_matrix:
    dense = np.zeros((len(rows), 8), dtype=np.float32)
    for row, items in enumerate(rows):
        dense[row, list(items)] = 1
    return sp.csr_matrix(dense)


@pytest.fixture
def figures():
    return metrics_compute(
        recommended=RECOMMENDED,
        relevant=sparse([{1, 4}, {3}, {1}]),
        history=sparse([{5}, {0}, {2}]),
        item_categories=CATEGORIES,
        train_item_counts=TRAIN_COUNTS,
        catalogue_size=8,
    )


def test_accuracy_metrics_match_their_definitions(figures):
    # User 0 hits at rank 2 of 2 relevant; user 1 at rank 1 of 1; user 2 misses.
    ndcg_first = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert figures["precision@3"] == pytest.approx((1 / 3 + 1 / 3 + 0) / 3)
    assert figures["recall@3"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    assert figures["ndcg@3"] == pytest.approx((ndcg_first + 1 + 0) / 3)
    # AP: precision 1/2 at the hit, over min(2, 3) relevant; 1 for user 1.
    assert figures["map@3"] == pytest.approx((0.25 + 1 + 0) / 3)


def test_beyond_accuracy_metrics_match_their_definitions(figures):
    assert figures["coverage@3"] == pytest.approx(6 / 8)
    # User 0: categories A, A, B: 2 of 3 pairs differ; user 2: A, A: 0 of 1;
    # user 1 has one item of known category, no pair, left out.
    assert figures["ild@3"] == pytest.approx((2 / 3 + 0) / 2)
    assert figures["multi_category_share@3"] == pytest.approx(1 / 3)
    # -log2 shares: item 0: 1, item 1: 2, items 2 and 3: 3, never seen (4, 5): as once, 3.
    assert figures["novelty@3"] == pytest.approx((2 + 3 + 2) / 3)


def test_new_category_hit_counts_users_who_tried_a_category_new_to_them(figures):
    # User 0's relevant items are of a category tried (A) or none: not counted.
    # User 1 (tried A) books B and gets it; user 2 (tried B) books A and misses it.
    assert figures["new_category_users"] == 2
    assert figures["new_category_hit@3"] == pytest.approx(0.5)


def test_category_metrics_are_none_without_categories():
    figures = metrics_compute(
        recommended=RECOMMENDED,
        relevant=sparse([{1}, {3}, {1}]),
        history=sparse([{5}, {0}, {2}]),
        item_categories=None,
        train_item_counts=TRAIN_COUNTS,
        catalogue_size=8,
    )

    assert figures["ild@3"] is None and figures["new_category_hit@3"] is None
    assert figures["precision@3"] == pytest.approx(2 / 9)


def test_no_relevant_item_gives_no_new_category_item():
    # Indexing a sparse matrix with no pair gave a sparse matrix, which `~` refused.
    novel = new_category_items(
        relevant=sparse([set(), set()]), history=sparse([{5}, {0}]), item_categories=CATEGORIES
    )

    assert novel.shape == (2, 8) and novel.nnz == 0


def test_ild_of_long_lists_takes_memory_in_proportion_to_the_lists():
    # 200 lists of 1,000 items, the longest `evaluate_recommenders --k` takes: comparing
    # every pair of ranks took 200 MB per temporary array, and 20 GB at 20,000 users.
    rng = np.random.default_rng(0)
    categories = rng.integers(0, 12, 5_000)
    recommended = rng.integers(0, 5_000, (200, 1_000))
    tracemalloc.start()
    try:
        values = ild_at_k(recommended, categories)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 30_000_000
    # Twelve categories drawn alike: about 11 pairs in 12 differ.
    assert values == pytest.approx(np.full(200, 11 / 12), abs=0.01)
