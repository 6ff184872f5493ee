"""ConnectionDef: matrix entries in canonical order, per-entry values read at the weights."""

import numpy as np
import pytest
import scipy.sparse

from pyrates_core.connectivity import ConnectionDef
from pyrates_core.errors import TemplateError


def _matrices(seed=0, shape=(7, 9)):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=shape) * (rng.random(shape) < 0.4)
    d = rng.uniform(1.0, 2.0, shape) * (rng.random(shape) < 0.7)  # another sparsity pattern
    return w, d


def test_sparse_entries_equal_dense_lookup():
    """Sparse weights (unsorted, with duplicates and stored zeros) give the entries of the
    dense matrix in row-major order; sparse per-entry values with another pattern are read
    at those entries (0 where they store nothing), as dense indexing does."""
    w, d = _matrices()
    rows, cols = np.nonzero(w)
    perm = np.random.default_rng(1).permutation(rows.size)
    half = w[rows, cols] / 2  # each entry stored twice, halves summed
    zr, zc = np.argwhere(w == 0)[0]  # and one stored zero
    coo = scipy.sparse.coo_matrix(
        (np.concatenate([half[perm], half, [0.0]]),
         (np.concatenate([rows[perm], rows, [zr]]), np.concatenate([cols[perm], cols, [zc]]))),
        shape=w.shape)
    ds = scipy.sparse.csr_matrix(d)
    got = ConnectionDef.from_matrix("a/o/x", "b/o/y", coo, delays=ds, spread=0.5,
                                    edge_values={"tau": ds, "x": "source", "k": 2.0})
    ref = ConnectionDef.from_matrix("a/o/x", "b/o/y", w, delays=d, spread=0.5,
                                    edge_values={"tau": d, "x": "source", "k": 2.0})
    assert np.array_equal(got.target_idx, rows) and np.array_equal(got.source_idx, cols)
    assert np.allclose(got.weights, w[rows, cols], rtol=0, atol=1e-15)
    assert np.array_equal(got.delays, d[rows, cols]) and np.array_equal(ref.delays, got.delays)
    assert np.any(got.delays == 0) and np.any(got.delays > 0)  # both cases occur
    assert np.array_equal(got.edge_values["tau"], d[rows, cols])
    assert got.edge_values["x"] == "source" and got.edge_values["k"] == 2.0
    assert np.array_equal(got.spreads, np.full(rows.size, 0.5))
    same = scipy.sparse.csr_matrix((d[rows, cols] + 1.0, (rows, cols)), shape=w.shape)
    fast = ConnectionDef.from_matrix("a/o/x", "b/o/y", scipy.sparse.csr_matrix(w), delays=same)
    assert np.array_equal(fast.delays, d[rows, cols] + 1.0)  # the weights' own pattern


def test_per_entry_values_of_the_wrong_shape_are_named():
    w, d = _matrices()
    with pytest.raises(TemplateError, match=r"delays has shape \(9, 7\)"):
        ConnectionDef.from_matrix("a/o/x", "b/o/y", w, delays=d.T)
    with pytest.raises(TemplateError, match="edge variable 'tau' has shape"):
        ConnectionDef.from_matrix("a/o/x", "b/o/y", w, edge_values={"tau": np.ones(3)})
    with pytest.raises(TemplateError, match="scalar weights .* take a scalar delays"):
        ConnectionDef.from_matrix("a/o/x", "b/o/y", 0.5, delays=np.ones((2, 2)))
