import numpy as np

from recommendations.ranking.candidates import top_per_user


def test_each_row_keeps_its_best_eligible_positive_scores_in_order():
    # Mostly zeros, as a co-booking row is: zeros and ineligible items are never taken.
    matrix = np.zeros((3, 1_000), dtype=np.float32)
    matrix[0, [10, 500, 999, 3]] = [0.2, 0.9, 0.5, 0.7]
    matrix[1, 42] = 0.1
    eligible = np.ones_like(matrix, dtype=bool)
    eligible[0, 500] = False  # already booked

    rows, columns, ranks = top_per_user(matrix=matrix, eligible=eligible, take=2)

    assert list(zip(rows.tolist(), columns.tolist(), ranks.tolist(), strict=True)) == [
        (0, 3, 0),
        (0, 999, 1),
        (1, 42, 0),
    ]


def test_a_row_with_fewer_positive_scores_than_asked_gives_only_those():
    matrix = np.array([[0.0, 0.3, 0.0, 0.8]], dtype=np.float32)

    rows, columns, ranks = top_per_user(
        matrix=matrix, eligible=np.ones_like(matrix, dtype=bool), take=10
    )

    assert columns.tolist() == [3, 1]
    assert ranks.tolist() == [0, 1]
    assert rows.tolist() == [0, 0]


def test_scores_tied_with_the_last_one_taken_are_all_kept_at_its_rank():
    # Three new offers of one venue and category score alike: the model tells them apart.
    matrix = np.array([[0.0, 0.4, 0.9, 0.4, 0.0, 0.4, 0.1]], dtype=np.float32)

    rows, columns, ranks = top_per_user(
        matrix=matrix, eligible=np.ones_like(matrix, dtype=bool), take=2
    )

    assert columns.tolist() == [2, 1, 3, 5]
    assert ranks.tolist() == [0, 1, 1, 1]
    assert rows.tolist() == [0, 0, 0, 0]
