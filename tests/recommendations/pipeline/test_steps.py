"""The pipeline's steps on their own: dataset, ranking, diversification and each scorer."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.pipeline.diversification import digital_slot
from recommendations.pipeline.ease import ease_fit, ease_weights
from recommendations.pipeline.interactions import NO_CATEGORY, interactions_build
from recommendations.pipeline.neighbours import cosine_neighbours
from recommendations.pipeline.ranking import NO_ITEM, top_k
from recommendations.pipeline.scorers.geo import GeoScorer
from recommendations.pipeline.scorers.popular import DAY_SECONDS, PopularScorer
from recommendations.pipeline.scoring import scorer_spec

NAN = float("nan")


def test_a_dataset_maps_ids_to_positions_and_counts_repeated_pairs_once():
    log = interactions_build(
        user_ids=np.array(["b", "a", "a"], dtype=object),
        item_ids=np.array(["x", "y", "y"], dtype=object),
        timestamps=np.array([1.0, 2.0, 3.0]),
        item_categories={"x": "cinema"},
        extra_items=np.array(["z"], dtype=object),
    )

    assert log.user_ids.tolist() == ["a", "b"] and log.item_ids.tolist() == ["x", "y", "z"]
    assert log.matrix().toarray().tolist() == [[0, 1, 0], [1, 0, 0]]
    assert log.item_categories.tolist() == [0, NO_CATEGORY, NO_CATEGORY]
    assert np.isnan(log.item_coordinates).all() and "item_location" not in log.attributes
    assert log.user_positions(["b", "nobody"]).tolist() == [1, -1]


def test_top_k_breaks_ties_by_position_and_leaves_out_excluded_and_impossible_items():
    scores = np.array([[1.0, 3.0, 3.0, -np.inf, 2.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    exclude = sp.csr_matrix(np.array([[0, 0, 1, 0, 0], [0, 0, 0, 0, 0]]))

    ranked = top_k(scores=scores, k=4, exclude=exclude, allowed=np.array([1, 1, 1, 1, 0], bool))

    assert ranked.tolist() == [[1, 0, NO_ITEM, NO_ITEM], [0, 1, 2, 3]]


def test_top_k_pads_when_k_exceeds_the_catalogue():
    assert top_k(scores=np.array([[0.5, 0.7]]), k=3).tolist() == [[1, 0, NO_ITEM]]


@pytest.mark.parametrize("scored_share", [0.005, 0.5, 1.0])
def test_top_k_gives_the_same_lists_whether_few_or_most_items_are_scored(scored_share):
    """Few scored items (a learned ranker's candidates) take the sorting path, most take the
    partition: both keep the rule, best score first and ties to the lower position."""
    rng = np.random.default_rng(7)
    # Scores from a handful of values: ties at every boundary.
    scores = rng.integers(0, 5, size=(40, 800)).astype(np.float32)
    scores[rng.random(scores.shape) >= scored_share] = -np.inf

    ranked = top_k(scores=scores, k=10)

    for row, items in zip(scores, ranked, strict=True):
        finite = np.flatnonzero(np.isfinite(row))
        expected = finite[np.lexsort((finite, -row[finite]))][:10].tolist()
        assert items.tolist() == expected + [NO_ITEM] * (10 - len(expected))


def test_digital_slot_puts_the_best_digital_item_last_unless_the_list_has_one():
    log = interactions_build(
        user_ids=np.array([0]),
        item_ids=np.array([0]),
        timestamps=np.array([0.0]),
        item_coordinates={0: (45.0, 4.0), 1: (45.0, 4.0), 2: (45.0, 4.0)},
        extra_items=np.array([1, 2, 3, 4]),
    )
    # Items 3 and 4 have no place (digital).
    scores = np.array([[5.0, 4.0, 3.0, 1.0, 2.0], [5.0, 1.0, 1.0, 4.0, 1.0]])
    ranked = top_k(scores=scores, k=3)

    slotted = digital_slot(recommended=ranked, scores=scores, train=log)

    assert slotted.tolist() == [[0, 1, 4], [0, 3, 1]]
    assert digital_slot(recommended=ranked[:, :1], scores=scores, train=log).tolist() == [[0], [0]]


def test_popular_scorer_counts_people_within_the_window_before_now():
    log = interactions_build(
        user_ids=np.array([1, 1, 2, 3, 3]),
        item_ids=np.array([10, 10, 11, 11, 12]),
        timestamps=np.array([9, 9, 9, 9, 0]) * DAY_SECONDS,
    )

    scorer = PopularScorer(window_days=5).fit(train=log, now=10 * DAY_SECONDS)

    # Item 10: one person twice; 11: two people; 12: outside the window.
    assert scorer.score(users=np.array([0])).tolist() == [[1.0, 2.0, -np.inf]]


def test_itemknn_similarity_is_the_cosine_of_co_bookings_keeping_k_neighbours():
    matrix = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]], np.float32))

    similarity = cosine_neighbours(matrix, neighbours=1).toarray()

    # Items 0 and 1: 2 co-bookings / sqrt(3 x 3); 0 and 2, 1 and 2: 1 / sqrt(3 x 2).
    assert similarity[0].tolist() == pytest.approx([0, 2 / 3, 0])
    assert similarity[1].tolist() == pytest.approx([2 / 3, 0, 0])
    # Item 2 is as near to 0 as to 1: the tie at the cut goes to the lower position.
    assert similarity[2].tolist() == pytest.approx([1 / np.sqrt(6), 0, 0])
    assert np.count_nonzero(similarity, axis=1).tolist() == [1, 1, 1]


def test_itemknn_neighbourhoods_break_ties_alike_whatever_the_row_blocks():
    rng = np.random.default_rng(5)
    matrix = sp.csr_matrix((rng.random((40, 25)) < 0.2).astype(np.float32))
    dense = matrix.toarray()
    norms = np.sqrt(dense.sum(axis=0))
    cosine = (dense.T @ dense) / np.outer(norms, norms)
    np.fill_diagonal(cosine, 0)
    # Each row's 3 largest, ties to the lower position: a stable sort of the negated row.
    expected = np.zeros_like(cosine)
    for row, values in enumerate(cosine):
        best = np.argsort(-values, kind="stable")[:3]
        expected[row, best] = values[best]

    ordered = -np.sort(-cosine, axis=1)
    tied_at_the_cut = (ordered[:, 2] == ordered[:, 3]) & (ordered[:, 3] > 0)

    by_blocks = [cosine_neighbours(matrix, neighbours=3, items_per_block=b) for b in (1, 7, 25)]

    # Similarities tie on 40 users, some at the cut: the rule decides there.
    assert tied_at_the_cut.sum() >= 2
    assert all(found.toarray() == pytest.approx(expected, abs=1e-6) for found in by_blocks)
    assert all(found.has_canonical_format for found in by_blocks)
    assert np.count_nonzero(expected, axis=1).max() == 3


@pytest.mark.parametrize("users, items, neighbours", [(3, 0, 5), (3, 1, 5), (0, 4, 5), (3, 4, 0)])
def test_itemknn_neighbourhoods_of_degenerate_logs_are_empty(users, items, neighbours):
    # No item, one item (no neighbour but itself), nobody, or no neighbour asked for:
    # nothing, in the right shape.
    similarity = cosine_neighbours(
        sp.csr_matrix(np.ones((users, items), np.float32)), neighbours=neighbours
    )

    assert similarity.shape == (items, items)
    assert similarity.nnz == 0
    assert similarity.dtype == np.float32


def test_ease_weights_are_steck_closed_form():
    rng = np.random.default_rng(3)
    matrix = sp.csr_matrix((rng.random((30, 6)) < 0.4).astype(np.float32))

    weights = ease_weights(matrix, regularisation=2.0)

    gram = matrix.toarray().T @ matrix.toarray() + 2.0 * np.eye(6)
    precision = np.linalg.inv(gram)
    expected = np.eye(6) - precision / np.diag(precision)
    np.fill_diagonal(expected, 0)
    assert weights == pytest.approx(expected, abs=1e-4)


def test_ease_fit_models_the_most_chosen_items_with_a_ridge_relative_to_their_users():
    # Users per item: 4, 1, 3, 0, 2. The three most chosen, back in position order.
    matrix = sp.csr_matrix(
        np.array(
            [[1, 0, 1, 0, 1], [1, 0, 1, 0, 0], [1, 1, 1, 0, 0], [1, 0, 0, 0, 1]],
            dtype=np.float32,
        )
    )

    modelled, weights = ease_fit(matrix, regularisation=0.5, max_items=3, relative=True)

    assert modelled.tolist() == [0, 2, 4]
    # The ridge is half the modelled items' mean number of users: 0.5 x (4 + 3 + 2) / 3.
    expected = ease_weights(matrix[:, [0, 2, 4]].tocsr(), regularisation=1.5)
    assert weights == pytest.approx(expected)
    _, absolute = ease_fit(matrix, regularisation=1.5, max_items=3)
    assert absolute == pytest.approx(expected)


def test_geo_scorer_decays_with_distance_within_the_radius_and_keeps_digital_open():
    log = interactions_build(
        user_ids=np.array([1, 2, 3]),
        item_ids=np.array([10, 11, 12]),
        timestamps=np.array([0.0, 0.0, 0.0]),
        item_coordinates={10: (45.0, 4.0), 11: (45.1, 4.0), 12: (46.0, 4.0)},
        user_coordinates={1: (45.0, 4.0)},
        extra_items=np.array([13]),
    )
    scorer = GeoScorer(halvings_per_radius=3, window_days=None, digital_weight=0.5)
    scorer.fit(train=log.with_catalogue(np.ones(4, bool)), now=1.0)
    located, homeless = scorer.score(users=np.array([0, 1]))

    weight = 1 + np.log1p(1)
    # Default radius 30 km: item 11 is 11.1 km away, item 12 111 km (out).
    assert located[0] == pytest.approx(weight)
    assert located[1] == pytest.approx(weight * 2 ** (-3 * 11.12 / 30), rel=1e-3)
    assert located[2] == -np.inf and located[3] == pytest.approx(0.5)
    # Without a home: items chosen lately by popularity, digital ones open to all.
    assert homeless.tolist() == pytest.approx([weight, weight, weight, 1.0])


@pytest.mark.parametrize("name", ["popular", "itemknn", "ease"])
def test_a_scorer_fitted_on_no_interaction_has_no_candidate(name):
    empty = interactions_build(
        user_ids=np.array([], dtype=np.int64),
        item_ids=np.array([], dtype=np.int64),
        timestamps=np.array([]),
        extra_items=np.array([1, 2, 3]),
        extra_users=np.array([-1]),
    )

    scorer = scorer_spec(name).build().fit(train=empty, now=0.0)

    assert np.isneginf(scorer.score(users=np.array([0]))).all()
