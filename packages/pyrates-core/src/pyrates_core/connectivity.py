"""Matrix connectivity between (vector-valued) variables, lowered straight into edge bundles.

A :class:`ConnectionDef` is what ``Connectivity(source, target, weights, ...)`` of the frontend
becomes: flat per-entry arrays (source element, target element, weight, delay, spread) between
two whole variables ``'node/op/var'``, typically of populations (nodes whose variables are
length-``n`` vectors). :func:`wire_connections` adds them to the compiler as
:class:`~pyrates_core.system.EdgeBundle` s (gamma-kernel chains where a spread is given)
without creating one Python object per entry: building costs O(non-zero weights) in arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pyrates_core.errors import TemplateError

__all__ = ["ConnectionDef", "wire_connections"]


@dataclass
class ConnectionDef:
    """Per-entry edges from the elements of ``source`` to the elements of ``target``."""

    source: str
    """``node/op/var`` of the source variable (all its elements)."""
    target: str
    """``node/op/var`` of the target input variable."""
    source_idx: np.ndarray
    """int64, one per entry: element of the source variable."""
    target_idx: np.ndarray
    """int64, one per entry: element of the target variable."""
    weights: np.ndarray
    delays: np.ndarray | None = None
    """Per-entry delays (model time unit), or None for none."""
    spreads: np.ndarray | None = None
    """Per-entry standard deviations of gamma-distributed delays, or None."""

    @classmethod
    def from_matrix(cls, source: str, target: str, weights: Any, delays: Any = None,
                    spread: Any = None) -> ConnectionDef:
        """Entries of a ``(n_target, n_source)`` matrix (dense, or anything with ``tocoo()``
        such as ``scipy.sparse`` matrices); ``delays``/``spread``: scalars or matrices of the
        same shape (read at the non-zero weights).
        """
        where = f"connection {source} -> {target}"
        if hasattr(weights, "tocoo"):
            # canonical row-major order (targets, then sources ascending), duplicates summed:
            # the same entry order as add_edges_from_matrix, so the same generated tables
            csr = weights.tocsr(copy=True) if hasattr(weights, "tocsr") else weights
            csr.sum_duplicates()
            csr.sort_indices()
            coo = csr.tocoo()
            rows, cols, vals = (np.asarray(coo.row, np.int64), np.asarray(coo.col, np.int64),
                                np.asarray(coo.data, dtype=float))
            keep = vals != 0
            rows, cols, vals = rows[keep], cols[keep], vals[keep]
            shape = tuple(int(s) for s in weights.shape)
        else:
            w = np.asarray(weights, dtype=float)
            if w.ndim != 2:
                raise TemplateError(f"{where}: weights must be a (n_target, n_source) matrix, "
                                    f"got shape {w.shape}")
            rows, cols = np.nonzero(w)
            vals = w[rows, cols]
            shape = w.shape
        return cls(source, target, cols.astype(np.int64), rows.astype(np.int64), vals,
                   _entries(delays, rows, cols, shape, "delays", where),
                   _entries(spread, rows, cols, shape, "spread", where))


def _entries(values: Any, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...],
             what: str, where: str) -> np.ndarray | None:
    """Per-entry values of a scalar or a matrix (dense or sparse) at ``(rows, cols)``."""
    if values is None:
        return None
    if hasattr(values, "tocsr"):
        if tuple(values.shape) != tuple(shape):
            raise TemplateError(f"{where}: {what} has shape {values.shape}, weights {shape}")
        return np.asarray(values.tocsr()[rows, cols], dtype=float).ravel()
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return np.full(rows.size, float(arr))
    if arr.shape != tuple(shape):
        raise TemplateError(f"{where}: {what} has shape {arr.shape}, weights {shape}; pass a "
                            "scalar or a matrix of the weights' shape")
    return arr[rows, cols]


def wire_connections(builder: Any, connections: list[ConnectionDef]) -> None:
    """Add ``connections`` to a :class:`pyrates_core.compile` builder as edge bundles."""
    for c in connections:
        where = f"connection {c.source} -> {c.target}"
        src, s_elems = builder._locate(c.source, c, "source")
        tgt, t_elems = builder._locate(c.target, c, "target")
        if tgt.role != "input":
            raise TemplateError(f"{where}: the target variable must be declared as an input "
                                "(e.g. 'r_in: input(0.0)')")
        if src.role == "param":
            raise TemplateError(f"{where}: the source must be a state or algebraic variable")
        sidx, tidx = np.asarray(c.source_idx, np.int64), np.asarray(c.target_idx, np.int64)
        for name, idx, n in (("source", sidx, len(s_elems)), ("target", tidx, len(t_elems))):
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise TemplateError(f"{where}: the weights address {name} element "
                                    f"{int(idx.max())}, the {name} variable has {n} elements; "
                                    "weights are indexed [target, source]")
        n_e = sidx.size
        delays = np.zeros(n_e) if c.delays is None else np.asarray(c.delays, dtype=float)
        if np.any(delays < 0):
            raise TemplateError(f"{where}: negative delays; delays must be >= 0")
        sflat = np.asarray(s_elems, np.int64)[sidx]
        tflat = np.asarray(t_elems, np.int64)[tidx]
        builder.edge_sources.add(src.symbol.name)
        w = np.asarray(c.weights, dtype=float)
        spreads = None if c.spreads is None else np.asarray(c.spreads, dtype=float)
        if spreads is not None and np.any(spreads > 0):
            if np.any(spreads < 0) or np.any((spreads > 0) & (delays <= 0)):
                raise TemplateError(f"{where}: a spread must be positive and needs a positive "
                                    "delay (the mean of the distribution)")
            gam = spreads > 0
            rows = list(zip(sflat[gam].tolist(), tflat[gam].tolist(), w[gam].tolist(),
                            delays[gam].tolist(), spreads[gam].tolist(), strict=True))
            builder._add_gamma(src, tgt, rows)
            keep = ~gam
            sflat, tflat, w, delays = sflat[keep], tflat[keep], w[keep], delays[keep]
        if sflat.size:
            builder._add_bundle(src.symbol.name, len(src.labels), tgt, sflat, tflat, w, delays)
