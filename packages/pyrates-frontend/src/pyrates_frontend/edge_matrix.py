"""Connectivity matrices kept as arrays (the compact form of ``add_edges_from_matrix``).

A circuit connected by ``add_edges_from_matrix`` without an edge template keeps the matrix
entries as one :class:`EdgeMatrix` (indices, weights, delays) instead of one edge tuple per
entry; compiling hands it to the core as an :class:`~pyrates_core.edge_blocks.EdgeBlock`.
Reading ``circuit.edges`` expands it into ordinary edges (the 1.x list), so every edge
accessor keeps its meaning. Weights and attributes may be dense arrays or scipy sparse
matrices (anything with ``tocoo``/``tocsr``), which 10,000-node networks need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pyrates_core.edge_blocks import EdgeBlock

__all__ = ["COMPACT_ATTRS", "UPDATABLE_ATTRS", "EdgeMatrix", "matrix_entries"]

COMPACT_ATTRS = frozenset({"delay"})
"""Edge attributes the compact form holds (others need one edge each)."""

UPDATABLE_ATTRS = COMPACT_ATTRS | {"weight"}
"""Edge attributes ``update_var`` can change without expanding a matrix."""


def _is_sparse(x: Any) -> bool:
    return hasattr(x, "tocoo") and hasattr(x, "tocsr")


def _values_at(name: str, val: Any, rows: np.ndarray, cols: np.ndarray,
               shape: tuple[int, int]) -> np.ndarray:
    """``val[rows, cols]`` for a scalar, a dense ``shape`` array or a sparse matrix."""
    if _is_sparse(val):
        if val.shape != shape:
            raise ValueError(f"add_edges_from_matrix: {name} has shape {val.shape}, expected "
                             f"(n_targets, n_sources) = {shape}")
        return np.asarray(val.tocsr()[rows, cols], dtype=float).ravel()
    arr = np.asarray(val)
    if arr.ndim == 0:
        return np.full(len(rows), arr.item())
    if arr.shape != shape:
        raise ValueError(f"add_edges_from_matrix: {name} has shape {arr.shape}, expected "
                         f"(n_targets, n_sources) = {shape}")
    return arr[rows, cols]


def matrix_entries(weight: Any, attrs: dict[str, Any], shape: tuple[int, int],
                   min_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                               dict[str, np.ndarray]]:
    """The edges of a weight matrix: ``(rows, cols, weights, {attr: values})``.

    Entries with ``|weight| < min_weight`` are dropped (for a sparse matrix also the entries
    it does not store); rows are targets, columns sources, in row-major order.
    """
    if _is_sparse(weight):
        if weight.shape != shape:
            raise ValueError(f"add_edges_from_matrix: weight has shape {weight.shape}, "
                             f"expected (n_targets, n_sources) = {shape}")
        csr = weight.tocsr()
        csr.sum_duplicates()
        csr.sort_indices()
        coo = csr.tocoo()
        keep = np.abs(coo.data) >= min_weight
        rows, cols = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
        w = np.asarray(coo.data[keep], dtype=float)
    else:
        full = np.ones(shape) if weight is None else np.asarray(weight, dtype=float)
        if full.ndim == 0:
            full = np.full(shape, float(full))
        if full.shape != shape:
            raise ValueError(f"add_edges_from_matrix: weight has shape {full.shape}, expected "
                             f"(n_targets, n_sources) = {shape}")
        rows, cols = np.nonzero(np.abs(full) >= min_weight)
        w = full[rows, cols]
    values = {k: _values_at(f"edge_attr['{k}']", v, rows, cols, shape)
              for k, v in attrs.items()}
    return rows, cols, w, values


@dataclass(frozen=True)
class EdgeMatrix:
    """Edges ``sources[cols[k]]/source_var -> targets[rows[k]]/target_var`` of one circuit."""

    source_var: str
    target_var: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    rows: np.ndarray
    cols: np.ndarray
    weight: np.ndarray
    attrs: dict[str, np.ndarray]

    def __len__(self) -> int:
        """Number of edges."""
        return len(self.weight)

    def expand(self) -> list[tuple[str, str, None, dict[str, Any]]]:
        """The edges as ``(source, target, None, {'weight': w, ...})`` tuples."""
        names = list(self.attrs)
        columns = [self.attrs[k].tolist() for k in names]
        out = []
        for k, (i, j, w) in enumerate(zip(self.rows.tolist(), self.cols.tolist(),
                                          self.weight.tolist(), strict=True)):
            a: dict[str, Any] = {n: col[k] for n, col in zip(names, columns, strict=True)}
            a["weight"] = float(w)
            out.append((f"{self.sources[j]}/{self.source_var}",
                        f"{self.targets[i]}/{self.target_var}", None, a))
        return out

    def find(self, source: str, target: str) -> np.ndarray:
        """Indices (in edge order) of the entries ``source -> target`` (full variable paths)."""
        s_node, _, s_var = source.rpartition("/")
        s_node, _, s_op = s_node.rpartition("/")
        t_node, _, t_var = target.rpartition("/")
        t_node, _, t_op = t_node.rpartition("/")
        if f"{s_op}/{s_var}" != self.source_var or f"{t_op}/{t_var}" != self.target_var:
            return np.zeros(0, dtype=np.int64)
        cols = [j for j, n in enumerate(self.sources) if n == s_node]
        rows = [i for i, n in enumerate(self.targets) if n == t_node]
        if not cols or not rows:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(self.cols, cols) & np.isin(self.rows, rows))

    def updated(self, entries: np.ndarray, changes: dict[str, Any]) -> EdgeMatrix:
        """A copy with ``changes`` (``weight``/``delay`` values) applied to ``entries``."""
        bad = set(changes) - UPDATABLE_ATTRS
        if bad:
            raise ValueError(f"EdgeMatrix.updated: attributes {sorted(bad)} need single edges; "
                             f"only {sorted(UPDATABLE_ATTRS)} can be changed here")
        weight, attrs = self.weight, dict(self.attrs)
        for key, val in changes.items():
            try:
                num = float(val)
            except (TypeError, ValueError):
                raise ValueError(f"update_var: edge attribute '{key}' must be a number, got "
                                 f"{val!r}") from None
            if key == "weight":
                weight = weight.copy()
                weight[entries] = num
            else:
                col = attrs.get(key)
                col = np.zeros(len(self)) if col is None else np.array(col, dtype=float)
                col[entries] = num
                attrs[key] = col
        return EdgeMatrix(self.source_var, self.target_var, self.sources, self.targets,
                          self.rows, self.cols, weight, attrs)

    def block(self, prefix: str) -> EdgeBlock:
        """The core's compact edge set, node paths below ``prefix``."""
        delay = self.attrs.get("delay")
        return EdgeBlock(
            source_nodes=tuple(prefix + s for s in self.sources), source_var=self.source_var,
            target_nodes=tuple(prefix + t for t in self.targets), target_var=self.target_var,
            source_idx=self.cols, target_idx=self.rows, weight=self.weight,
            delay=np.zeros(len(self)) if delay is None else np.asarray(delay, dtype=float))
