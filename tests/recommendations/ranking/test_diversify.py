import numpy as np

from recommendations.ranking.diversify import (
    SECOND_CATEGORY_BY,
    candidate_pool,
    categories_to_step_aside,
    diversified_order,
)
from recommendations.ranking.scorer import DEFAULT_STRENGTH

# Six candidates of one user, best first: four cinema (0), then a concert (1), a museum (2).
ITEMS = np.array([[0, 1, 2, 3, 4, 5]])
SCORES = np.array([[0.9, 0.88, 0.86, 0.84, 0.83, 0.80]])
CATEGORIES = np.array([0, 0, 0, 0, 1, 2])


def intra_list_diversity(items: np.ndarray) -> float:
    categories = CATEGORIES[items]
    pairs = [(a, b) for i, a in enumerate(categories) for b in categories[i + 1 :]]
    return sum(a != b for a, b in pairs) / len(pairs)


def test_strength_zero_leaves_the_ranking_unchanged():
    order = diversified_order(
        items=ITEMS, scores=SCORES, categories=CATEGORIES, known_categories=None, strength=0, k=4
    )
    assert order.tolist() == [[0, 1, 2, 3]]


def test_diversification_raises_intra_list_diversity():
    plain = ITEMS[0, :4]
    diversified = diversified_order(
        items=ITEMS, scores=SCORES, categories=CATEGORIES, known_categories=None, strength=0.5, k=4
    )[0]
    assert intra_list_diversity(diversified) > intra_list_diversity(plain)
    assert diversified[0] == 0  # the best item keeps its place


def test_among_similar_scores_a_category_new_to_the_user_goes_first():
    # Concert (4) and museum (5) score alike; the user already booked concerts.
    known = np.array([[True, True, False]])
    scores = np.array([[0.9, 0.70, 0.69, 0.68, 0.83, 0.829]])
    order = diversified_order(
        items=ITEMS, scores=scores, categories=CATEGORIES, known_categories=known, strength=0.5, k=3
    )[0]
    assert order.tolist() == [0, 5, 4]


def test_missing_candidates_are_never_picked():
    items = np.array([[3, 1, -1]])
    scores = np.array([[0.5, 0.4, -np.inf]])
    order = diversified_order(
        items=items, scores=scores, categories=CATEGORIES, known_categories=None, strength=0.5, k=3
    )
    assert order.tolist() == [[3, 1, -1]]


def test_the_pool_offers_each_other_category_when_the_best_candidates_share_one():
    # One user, 60 cinema candidates (category 0) above one concert (1) and one museum (2).
    items = np.arange(62)
    scores = np.concatenate([np.linspace(0.9, 0.5, 60), [0.1, 0.2]])
    categories = np.array([0] * 60 + [1, 2])
    pool, pool_scores = candidate_pool(
        rows=np.zeros(62, dtype=np.int64), items=items, scores=scores,
        categories=categories, n_rows=1, depth=50,
    )  # fmt: skip
    # The 50 best in score order, then the other categories' best, best first.
    assert pool[0].tolist() == [*range(50), 61, 60]
    assert (np.diff(pool_scores[0, :50]) <= 0).all()
    plain = diversified_order(
        items=pool[:, :50], scores=pool_scores[:, :50], categories=categories,
        known_categories=None, strength=1.0, k=10,
    )  # fmt: skip
    diversified = diversified_order(
        items=pool, scores=pool_scores, categories=categories,
        known_categories=None, strength=1.0, k=10, core=50,
    )  # fmt: skip
    assert set(categories[plain[0]]) == {0}
    assert set(categories[diversified[0]]) == {0, 1, 2}
    assert diversified[0, 0] == 0  # the best item keeps its place


def test_pool_extras_do_not_change_the_order_at_strength_zero():
    items = np.arange(62)
    scores = np.concatenate([np.linspace(0.9, 0.5, 60), [0.1, 0.2]])
    categories = np.array([0] * 60 + [1, 2])
    pool, pool_scores = candidate_pool(
        rows=np.zeros(62, dtype=np.int64), items=items, scores=scores,
        categories=categories, n_rows=1, depth=50,
    )  # fmt: skip
    order = diversified_order(
        items=pool, scores=pool_scores, categories=categories,
        known_categories=None, strength=0, k=10, core=50,
    )  # fmt: skip
    assert order[0].tolist() == list(range(10))


def test_only_a_month_with_one_category_makes_it_step_aside():
    # Bookings this month per category (cinema, concert, museum) of four users.
    month_counts = np.array([[0, 0, 0], [3, 0, 0], [2, 1, 0], [0, 0, 1]])
    assert categories_to_step_aside(month_counts).tolist() == [
        [False, False, False],  # nothing booked: nothing to diversify from
        [True, False, False],  # cinema alone: it steps aside for a second category
        [False, False, False],  # two categories: counted by the north star already
        [False, False, True],
    ]


def test_this_months_only_category_steps_aside_for_the_most_plausible_other_one():
    # Four cinema candidates (0) far above a concert (1) and a museum (2). The user booked
    # cinema this month, concerts in earlier months (so the model scores them above the
    # never-booked museum).
    scores = np.array([[0.9, 0.88, 0.86, 0.84, 0.70, 0.65]])
    known = np.array([[True, True, False]])
    before = diversified_order(
        items=ITEMS, scores=scores, categories=CATEGORIES, known_categories=known,
        strength=1.0, k=3,
    )[0]  # fmt: skip
    # Without the month: cinema first, then the never-booked museum on its bonus.
    assert before[:2].tolist() == [0, 5]
    after = diversified_order(
        items=ITEMS, scores=scores, categories=CATEGORIES, known_categories=known,
        strength=1.0, k=3, month_categories=np.array([[True, False, False]]),
    )[0]  # fmt: skip
    # With it: the plausible concert, the museum, and only then the month's cinema.
    assert after.tolist() == [4, 5, 0]


def test_a_user_whose_month_holds_two_categories_keeps_the_plain_order():
    scores = np.array([[0.9, 0.88, 0.86, 0.84, 0.70, 0.65]])
    known = np.array([[True, True, False]])
    month = categories_to_step_aside(np.array([[2, 1, 0]]))
    order = diversified_order(
        items=ITEMS, scores=scores, categories=CATEGORIES, known_categories=known,
        strength=1.0, k=3, month_categories=month,
    )  # fmt: skip
    plain = diversified_order(
        items=ITEMS, scores=scores, categories=CATEGORIES, known_categories=known,
        strength=1.0, k=3,
    )  # fmt: skip
    assert order.tolist() == plain.tolist()


def test_at_the_default_strength_the_months_category_gives_way_even_to_the_least_relevant():
    # The month's cinema holds the best candidates, a museum the worst (relevance 0): the
    # north star's rule needs the penalty (strength x MONTH_CATEGORY_PENALTY) to exceed the
    # whole relevance range, which a default strength below 2/3 would silently break.
    items = np.array([[0, 1, 2, 3, 5]])
    scores = np.array([[0.9, 0.88, 0.86, 0.84, 0.10]])
    order = diversified_order(
        items=items, scores=scores, categories=CATEGORIES, known_categories=None,
        strength=DEFAULT_STRENGTH, k=2, month_categories=np.array([[True, False, False]]),
    )[0]  # fmt: skip
    assert order.tolist() == [5, 0]


def test_a_list_spans_a_second_category_by_the_fifth_pick_whatever_the_relevance_gap():
    # Cinema (0) far above everything else: redundancy alone never lets the concert in.
    items = np.array([[0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, 5, 6]])
    scores = np.array([[1.0, 0.999, 0.998, 0.997, 0.996, 0.995, 0.0]] * 2)
    categories = np.array([0, 0, 0, 0, 0, 0, 1])
    order = diversified_order(
        items=items, scores=scores, categories=categories, known_categories=None,
        strength=DEFAULT_STRENGTH, k=6,
    )  # fmt: skip
    assert SECOND_CATEGORY_BY == 5
    assert order[0].tolist() == [0, 1, 2, 3, 6, 4]
    # A pool of one category has nothing else to offer.
    alone = diversified_order(
        items=items[:, :6], scores=scores[:, :6], categories=categories, known_categories=None,
        strength=DEFAULT_STRENGTH, k=6,
    )  # fmt: skip
    assert alone[0].tolist() == [0, 1, 2, 3, 4, 5]
