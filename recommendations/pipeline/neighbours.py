"""Item neighbourhoods: the cosine of co-interactions, each item keeping its k nearest.

Shared by the `itemknn` scorer and the ranker's `co_booking` candidates. The matrix
grows with the square of the users' history lengths (a log of 2,540 very active users
at 140k places: 313M entries, 2.5 GB), so rows are computed a block at a time and
only each row's k best are kept.
"""

import numpy as np
import scipy.sparse as sp


def cosine_neighbours(
    matrix: sp.csr_matrix, *, neighbours: int, items_per_block: int = 512
) -> sp.csr_matrix:
    """Items x items cosine similarities of the columns of the binary `matrix`, self excluded,
    each row keeping its `neighbours` largest positive ones; ties at the cut go to the
    lower item position, so the neighbourhood depends on the data alone. Float32, in
    canonical form (each row's columns sorted, no stored zeros).

    Rows are computed and sorted as sparse entries a block at a time, so neither the
    whole co-occurrence matrix nor a dense row over every item is held: dense rows over
    those 140k places took minutes per fit, against 21 s sorted as entries.
    """
    matrix = matrix.tocsc().astype(np.float32)
    n_items = matrix.shape[1]
    norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    by_item = matrix.T.tocsr()
    k = min(neighbours, max(n_items - 1, 0))
    rows, columns, values = [], [], []
    for start in range(0, n_items if k else 0, items_per_block):
        stop = min(start + items_per_block, n_items)
        block = sp.csr_matrix(by_item[start:stop] @ matrix)
        block_rows = np.repeat(np.arange(stop - start), np.diff(block.indptr))
        block.data *= inverse[start:stop][block_rows]
        block.data *= inverse[block.indices]
        block.data[block.indices == block_rows + start] = 0.0  # self excluded
        kept_rows, kept_columns, kept_values = block_best(block, block_rows=block_rows, k=k)
        rows.append(kept_rows + start)
        columns.append(kept_columns)
        values.append(kept_values)
    if not rows:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    found = sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))),
        shape=(n_items, n_items),
    )
    found.sum_duplicates()  # there are none: this sorts each row's columns and says so
    return found


def block_best(
    block: sp.csr_matrix, *, block_rows: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, values) of each row's `k` largest positive entries of `block`, ties
    at the cut to the lower column; `block_rows` is each stored entry's row.

    One sort of the block's entries, by row then larger value: a positive float's bits
    order as the float does. The sort is stable over entries in column order, so ties
    keep that order."""
    block.sort_indices()
    larger_first = np.int64(np.iinfo(np.int32).max) - block.data.view(np.int32)
    order = np.argsort((block_rows.astype(np.int64) << 31) | larger_first, kind="stable")
    rank = np.arange(order.size) - block.indptr[block_rows[order]]
    kept = order[(rank < k) & (block.data[order] > 0)]
    return block_rows[kept], block.indices[kept], block.data[kept]
