import numpy as np
import pytest
from scipy import sparse

from recommendations.pipeline.neighbours import cosine_neighbours
from recommendations.ranking.snapshot import co_interaction_neighbours


def test_co_interactions_are_the_cosine_of_item_columns_without_the_diagonal():
    # Users x items: item 0 by users 0, 1, 2; item 1 by users 0, 1; item 2 by user 2;
    # item 3 by nobody.
    seen = sparse.csr_matrix(
        np.array(
            [
                [1, 1, 0, 0],
                [1, 1, 0, 0],
                [1, 0, 1, 0],
            ],
            dtype=float,
        )
    )

    co = cosine_neighbours(seen, neighbours=co_interaction_neighbours(seen))

    expected = np.zeros((4, 4), dtype=np.float32)
    expected[0, 1] = expected[1, 0] = 2 / np.sqrt(3 * 2)
    expected[0, 2] = expected[2, 0] = 1 / np.sqrt(3 * 1)
    assert co.dtype == np.float32
    np.testing.assert_allclose(co.toarray(), expected, rtol=1e-6)
    # No stored zeros (the diagonal is removed, not kept as zeros), and each row's
    # columns in order, as the neighbours' ties are broken by position.
    assert co.nnz == 4
    assert co.has_canonical_format


def test_co_interactions_keep_every_neighbour_within_the_budget_and_a_share_beyond(
    monkeypatch,
):
    # Four users of 2, 3, 1 and 2 items: 4 + 9 + 1 + 4 = 18 pairs bound the cosines' entries.
    seen = sparse.csr_matrix(
        np.array(
            [[1, 1, 0, 0, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 1], [0, 1, 1, 0, 0]],
            dtype=np.float32,
        )
    )
    monkeypatch.setattr("recommendations.ranking.snapshot.CO_INTERACTIONS_MAX_ENTRIES", 18)
    assert co_interaction_neighbours(seen) == 5  # every item

    monkeypatch.setattr("recommendations.ranking.snapshot.CO_INTERACTIONS_MAX_ENTRIES", 13)
    assert co_interaction_neighbours(seen) == 2  # 13 entries shared by 5 items
    pruned = cosine_neighbours(seen, neighbours=co_interaction_neighbours(seen))
    assert np.diff(pruned.indptr).max() == 2
    # Item 1 (3 users) meets 2 twice (2 users): 2 / √6; 0 and 3 (1 user) once: 1 / √3
    # each. It keeps 2, and of the tie, the lower position.
    assert pruned[1].indices.tolist() == [0, 2]
    assert pruned[1].data.tolist() == pytest.approx([1 / np.sqrt(3), 2 / np.sqrt(6)])
