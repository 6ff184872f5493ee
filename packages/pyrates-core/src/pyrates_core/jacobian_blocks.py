"""Assembly plan of a :class:`~pyrates_core.jacobian.JacobianIR`: blocks, delays, sparsity.

A backend that prints a Jacobian needs, besides the printing of each factor, the same
backend-neutral facts: where every term's block sits in the ``n x n`` matrix (the offsets of
its two states), which matrix it belongs to (``J0`` or one ``J_tau`` per delay), and which
entries can be non-zero at all (the structural pattern, e.g. for a sparse prototype or
``solve_ivp(jac_sparsity=...)``). :func:`jacobian_blocks`, :func:`blocks_by_delay` and
:func:`sparsity_pattern` give them; the numeric values stay with the backend's printed factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyrates_core.jacobian import Factor, JacobianIR

__all__ = ["JacobianBlock", "blocks_by_delay", "factor_pattern", "jacobian_blocks",
           "sparsity_pattern"]


@dataclass(frozen=True)
class JacobianBlock:
    """One term placed in its matrix: ``J_delay[row:row + m, col:col + k] += F_1 @ ... @ F_n``."""

    delay: int
    """Which matrix: 0 for ``J0``, ``k + 1`` for ``J_tau`` with ``tau = jac.delays[k]``."""
    row: int
    """First row: the offset of the differentiated state in ``y``."""
    col: int
    """First column: the offset of the state differentiated by."""
    factors: tuple[Factor, ...]
    """The chain of factors (empty: the identity)."""


def jacobian_blocks(jac: JacobianIR) -> list[JacobianBlock]:
    """One block per term of ``jac``, in term order."""
    starts = {s.name: s.start for s in jac.system.states}
    return [JacobianBlock(t.delay, starts[t.row], starts[t.col], tuple(t.factors))
            for t in jac.terms]


def blocks_by_delay(jac: JacobianIR) -> list[list[JacobianBlock]]:
    """The blocks of ``J0`` first, then of ``J_tau`` for each of ``jac.delays``, in term order."""
    parts: list[list[JacobianBlock]] = [[] for _ in range(len(jac.delays) + 1)]
    for block in jacobian_blocks(jac):
        parts[block.delay].append(block)
    return parts


def factor_pattern(f: Factor) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the entries of ``f`` that may be non-zero."""
    if f.kind == "diag":
        diag = np.arange(min(f.shape), dtype=np.int64)
        return diag, diag
    if f.rows is None or f.cols is None:
        raise ValueError(f"a '{f.kind}' factor needs rows and cols")
    return np.asarray(f.rows, np.int64), np.asarray(f.cols, np.int64)


def _compose(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray]:
    """Pattern of ``A @ B`` from the patterns of ``A`` and ``B`` (no cancellation assumed)."""
    order = np.argsort(b[0], kind="stable")
    b_rows, b_cols = b[0][order], b[1][order]
    lo = np.searchsorted(b_rows, a[1], side="left")
    hi = np.searchsorted(b_rows, a[1], side="right")
    counts = hi - lo
    rows = np.repeat(a[0], counts)
    starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
    cols = b_cols[starts + np.arange(counts.sum())]
    return rows, cols


def sparsity_pattern(jac: JacobianIR) -> list[tuple[np.ndarray, np.ndarray]]:
    """Sorted, unique ``(rows, cols)`` of the structurally non-zero entries of each matrix
    (``J0``, then one per delay), in global coordinates.
    """
    n = jac.system.n_state
    out = []
    for blocks in blocks_by_delay(jac):
        keys = [np.zeros(0, np.int64)]
        for block in blocks:
            if block.factors:
                rows, cols = factor_pattern(block.factors[0])
                for f in block.factors[1:]:
                    rows, cols = _compose((rows, cols), factor_pattern(f))
            else:
                rows = cols = np.zeros(1, np.int64)
            keys.append((rows + block.row) * n + cols + block.col)
        flat = np.unique(np.concatenate(keys))
        out.append((flat // n, flat % n))
    return out
