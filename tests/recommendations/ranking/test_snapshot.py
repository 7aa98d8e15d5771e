import numpy as np
from scipy import sparse

from recommendations.ranking.snapshot import cosine_co_interactions


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

    co = cosine_co_interactions(seen)

    expected = np.zeros((4, 4), dtype=np.float32)
    expected[0, 1] = expected[1, 0] = 2 / np.sqrt(3 * 2)
    expected[0, 2] = expected[2, 0] = 1 / np.sqrt(3 * 1)
    assert co.dtype == np.float32
    np.testing.assert_allclose(co.toarray(), expected, rtol=1e-6)
    # No stored zeros (the diagonal is removed, not kept as zeros), and each row's
    # columns in order, as the neighbours' ties are broken by position.
    assert co.nnz == 4
    assert co.has_canonical_format
