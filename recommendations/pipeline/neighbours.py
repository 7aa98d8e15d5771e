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
    those 140k places took minutes per fit, sorted entries 13 to 32 s.
    """
    n_items = matrix.shape[1]
    k = min(neighbours, max(n_items - 1, 0))
    if k == 0:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    matrix = matrix.tocsc().astype(np.float32)
    norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    by_item = matrix.T.tocsr()
    # Each block's kept entries as CSR parts (int32 columns, float32 values: 8 bytes an
    # entry), joined once: coordinates and a conversion held five times as much.
    counts, columns, values = [np.zeros(1, dtype=np.int64)], [], []
    for start in range(0, n_items, items_per_block):
        stop = min(start + items_per_block, n_items)
        block = sp.csr_matrix(by_item[start:stop] @ matrix)
        block_rows = np.repeat(np.arange(stop - start), np.diff(block.indptr))
        block.data *= inverse[start:stop][block_rows]
        block.data *= inverse[block.indices]
        block.data[block.indices == block_rows + start] = 0.0  # self excluded
        kept = block_best(block, block_rows=block_rows, k=k)
        counts.append(np.bincount(block_rows[kept], minlength=stop - start))
        columns.append(block.indices[kept])
        values.append(block.data[kept])
    return sp.csr_matrix(
        (np.concatenate(values), np.concatenate(columns), np.cumsum(np.concatenate(counts))),
        shape=(n_items, n_items),
    )


def block_best(block: sp.csr_matrix, *, block_rows: np.ndarray, k: int) -> np.ndarray:
    """Positions among `block`'s stored entries of each row's `k` largest positive ones, in
    row then column order, ties at the cut to the lower column; `block_rows` is each
    stored entry's row. Sorts the block's columns in place.

    One sort of the block's entries, by row then larger value: a non-negative float's
    bits order as the float does (cosines of counts are never negative). The sort is
    stable over entries in column order, so ties keep that order."""
    block.sort_indices()
    larger_first = np.int64(np.iinfo(np.int32).max) - block.data.view(np.int32)
    order = np.argsort(
        (block_rows.astype(np.int64, copy=False) << 31) | larger_first, kind="stable"
    )
    rank = np.arange(order.size) - block.indptr[block_rows[order]]
    return np.sort(order[(rank < k) & (block.data[order] > 0)])
