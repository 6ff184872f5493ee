"""Matrix connectivity between (vector-valued) variables, lowered straight into edge bundles.

A :class:`ConnectionDef` is what ``Connectivity(source, target, weights, ...)`` of the frontend
becomes: flat per-entry arrays (source element, target element, weight, delay, spread) between
two whole variables ``'node/op/var'``, typically of populations (nodes whose variables are
length-``n`` vectors). :func:`wire_connections` adds them to the compiler as
:class:`~pyrates_core.system.EdgeBundle` s (gamma-kernel chains where a spread is given)
without creating one Python object per entry: building costs O(non-zero weights) in arrays.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from pyrates_core.edge_nodes import attr_target, free_inputs, output_variable
from pyrates_core.errors import TemplateError
from pyrates_core.model import NetworkDef, NodeDef, OperatorDef

__all__ = ["ConnectionDef", "expand_connection_operators", "wire_connections"]


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
    operators: dict[str, OperatorDef] = field(default_factory=dict)
    """Operators of an edge template evaluated on every entry (empty: plain weighted sums)."""
    template: str = ""
    """Name of that edge template (error messages, group names)."""
    edge_values: dict[str, Any] = field(default_factory=dict)
    """Edge-operator variable (``var``, ``op/var`` or ``template/op/var``) -> ``'source'`` (it
    receives the delayed source), a variable path of the source or target node (it receives
    that variable at the entry's source or target element), a scalar, or per-entry values."""

    @classmethod
    def from_matrix(cls, source: str, target: str, weights: Any, delays: Any = None,
                    spread: Any = None, edge_values: dict[str, Any] | None = None
                    ) -> ConnectionDef:
        """Entries of a ``(n_target, n_source)`` matrix (dense, or anything with ``tocoo()``
        such as ``scipy.sparse`` matrices); ``delays``/``spread``: scalars or matrices of the
        same shape (read at the non-zero weights). ``edge_values`` (see the field) may hold
        such matrices too; they are read at the same entries.
        """
        where = f"connection {source} -> {target}"
        if not hasattr(weights, "tocoo") and np.ndim(weights) == 0:  # global coupling
            return cls(source, target, np.zeros(0, np.int64), np.zeros(0, np.int64),
                       np.asarray(float(weights)), _scalar(delays, "delays", where),
                       _scalar(spread, "spread", where))
        if hasattr(weights, "tocoo"):
            # canonical row-major order (targets, then sources ascending), duplicates summed:
            # the same entry order as add_edges_from_matrix, so the same generated tables
            csr = _canonical(weights)
            coo = csr.tocoo()
            rows, cols, vals = (np.asarray(coo.row, np.int64), np.asarray(coo.col, np.int64),
                                np.asarray(coo.data, dtype=float))
            keep = vals != 0
            rows, cols, vals = rows[keep], cols[keep], vals[keep]
            shape = tuple(int(s) for s in weights.shape)
            pattern: tuple[Any, np.ndarray] | None = (csr, keep)
        else:
            w = np.asarray(weights, dtype=float)
            if w.ndim != 2:
                raise TemplateError(f"{where}: weights must be a (n_target, n_source) matrix, "
                                    f"got shape {w.shape}")
            rows, cols = np.nonzero(w)
            vals = w[rows, cols]
            shape = w.shape
            pattern = None
        values: dict[str, Any] = {}
        for key, val in (edge_values or {}).items():
            if isinstance(val, str) or np.ndim(val) == 0 and not hasattr(val, "tocsr"):
                values[key] = val
            else:
                values[key] = _entries(val, rows, cols, shape, f"edge variable '{key}'", where,
                                       pattern)
        return cls(source, target, cols.astype(np.int64), rows.astype(np.int64), vals,
                   _entries(delays, rows, cols, shape, "delays", where, pattern),
                   _entries(spread, rows, cols, shape, "spread", where, pattern),
                   edge_values=values)


def _scalar(value: Any, what: str, where: str) -> np.ndarray | None:
    """A scalar ``delays``/``spread`` of a global (scalar-weight) connection."""
    if value is None:
        return None
    if hasattr(value, "tocsr") or np.ndim(value) != 0:
        raise TemplateError(f"{where}: scalar weights (global coupling) take a scalar {what}, "
                            f"got shape {np.shape(value)}; pass a weight matrix for per-entry "
                            f"{what}")
    return np.asarray(float(value))


def _canonical(matrix: Any) -> Any:
    """A CSR copy of a sparse matrix with sorted indices and summed duplicates."""
    csr = matrix.tocsr(copy=True) if hasattr(matrix, "tocsr") else matrix.tocoo().tocsr()
    csr.sum_duplicates()
    csr.sort_indices()
    return csr


def _sparse_at(values: Any, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...],
               pattern: tuple[Any, np.ndarray] | None = None) -> np.ndarray:
    """``values[rows, cols]`` of a sparse matrix (0 where it stores nothing): its data when it
    stores the weights' ``pattern`` (canonical CSR, kept entries), else by a sorted search
    over linear indices; O(nnz log nnz) at most, much faster than sparse fancy indexing.
    """
    csr = _canonical(values)
    if pattern is not None:
        wcsr, keep = pattern
        if np.array_equal(csr.indptr, wcsr.indptr) and np.array_equal(csr.indices,
                                                                       wcsr.indices):
            return np.asarray(csr.data, dtype=float)[keep]
    coo = csr.tocoo()
    n_cols = int(shape[1])
    have = np.asarray(coo.row, np.int64) * n_cols + np.asarray(coo.col, np.int64)
    want = np.asarray(rows, np.int64) * n_cols + np.asarray(cols, np.int64)
    data = np.asarray(coo.data, dtype=float)
    if have.size == 0:
        return np.zeros(want.size)
    pos = np.minimum(np.searchsorted(have, want), have.size - 1)
    return np.where(have[pos] == want, data[pos], 0.0)


def _entries(values: Any, rows: np.ndarray, cols: np.ndarray, shape: tuple[int, ...],
             what: str, where: str, pattern: tuple[Any, np.ndarray] | None = None
             ) -> np.ndarray | None:
    """Per-entry values of a scalar or a matrix (dense or sparse) at ``(rows, cols)``."""
    if values is None:
        return None
    if hasattr(values, "tocsr"):
        if tuple(values.shape) != tuple(shape):
            raise TemplateError(f"{where}: {what} has shape {values.shape}, weights {shape}")
        return _sparse_at(values, rows, cols, shape, pattern)
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
        if np.ndim(c.weights) == 0:
            _wire_global(builder, c, src, s_elems, tgt, t_elems, where)
            continue
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


def _node_of(path: str) -> str:
    return path.strip("/").rsplit("/", 2)[0]


def _edge_var(key: str, node: NodeDef, where: str) -> tuple[str, str]:
    """The ``(operator, variable)`` of an ``edge_var_map`` key, or an error with suggestions."""
    known = [f"{o}/{v}" for o, op in node.operators.items() for v in op.variables]
    try:
        return attr_target(key, node, where)
    except TemplateError:
        bare = key.split("/")[-1]
        close = difflib.get_close_matches(bare, [k.split("/")[1] for k in known], n=3)
        close += difflib.get_close_matches(key, known, n=3)
        hint = f" Did you mean {', '.join(repr(x) for x in dict.fromkeys(close))}?" if close else ""
        raise TemplateError(f"{where}: edge_var_map names '{key}', which is not a variable of the "
                            f"edge template (variables: {', '.join(known)}).{hint}") from None


def _edge_node(c: ConnectionDef, where: str) -> tuple[NodeDef, list[tuple[str, str]],
                                                        list[tuple[str, str, str]]]:
    """The edge operators as a population of one unit per entry, the inputs that receive the
    source and the inputs fed by other variables ``(op, var, path)``.
    """
    n_e = int(np.size(c.weights))
    ops = {name: OperatorDef(op.name, list(op.equations), dict(op.variables), op.source)
           for name, op in c.operators.items()}
    node = NodeDef(ops, template=c.template or "edge", units=n_e)
    source_inputs: list[tuple[str, str]] = []
    mapped: list[tuple[str, str, str]] = []
    for key, value in c.edge_values.items():
        op_name, var = _edge_var(key, node, where)
        decl = ops[op_name].variables[var]
        if isinstance(value, str):
            if decl.kind != "input":
                raise TemplateError(f"{where}: edge variable '{key}' is mapped to '{value}', but "
                                    f"only input variables can receive variables; '{key}' is a "
                                    f"{decl.kind}: give it a number or per-entry values")
            if value == "source":
                source_inputs.append((op_name, var))
            elif value.count("/") >= 2:
                mapped.append((op_name, var, value))
            else:
                raise TemplateError(f"{where}: edge variable '{key}: {value}' must be 'source' or "
                                    "a variable path 'population/op/var' of the target (or "
                                    "source) population")
            continue
        arr = np.asarray(value)
        if arr.ndim > 1 or arr.size not in (1, n_e):
            raise TemplateError(f"{where}: edge variable '{key}' needs a scalar or one value per "
                                f"connection entry ({n_e}), got shape {arr.shape}")
        ops[op_name].variables[var] = decl.copy(value)
    if not source_inputs:
        taken = {(o, v) for o, v, _ in mapped}
        source_inputs = [fi for fi in free_inputs(node) if fi not in taken]
        if len(source_inputs) != 1:
            raise TemplateError(
                f"{where}: the edge operators must have exactly one input that receives the "
                f"source; found {source_inputs or 'none'}. Map it in edge_var_map: "
                "{'<var>': 'source'} (and further inputs to 'population/op/var' paths)")
    for op_name, op in ops.items():
        for var, decl in op.variables.items():
            value = np.asarray(decl.value)
            if value.ndim == 1 and value.size == n_e and n_e > 1:
                continue
            if value.size != 1:
                raise TemplateError(f"{where}: edge variable '{op_name}/{var}' has shape "
                                    f"{value.shape}; edge operators need scalar variables")
            op.variables[var] = decl.copy(np.full(n_e, value.reshape(())[()]))
    return node, source_inputs, mapped


def expand_connection_operators(network: NetworkDef) -> NetworkDef:
    """Lower connections with edge operators into plain connections around an *edge
    population*: one unit per connection entry (a node whose variables are per-entry vectors).

    ``source -> edge input`` carries the delays/spreads (one entry per unit), mapped variables
    feed further inputs (undelayed, at the entry's target or source element), and the edge
    output times the weights feeds the target. Building stays O(entries) in arrays.
    """
    if not any(getattr(c, "operators", None) for c in network.connections):
        return network
    nodes = dict(network.nodes)
    conns: list[ConnectionDef] = []
    for k, c in enumerate(network.connections):
        if c.operators and np.ndim(c.weights) == 0:
            raise TemplateError(f"connection {c.source} -> {c.target}: an edge template needs a "
                                "weight matrix (it is evaluated per entry), not scalar weights")
        if not c.operators or np.size(c.weights) == 0:  # no entries: nothing to evaluate
            if not c.operators:
                conns.append(c)
            continue
        where = f"connection {c.source} -> {c.target} (edge template '{c.template}')"
        label = f"{c.source}->{c.target}"
        if label in nodes:
            label = f"{label}#{k}"
        node, source_inputs, mapped = _edge_node(c, where)
        nodes[label] = node
        n_e = node.units
        units = np.arange(n_e, dtype=np.int64)
        ones = np.ones(n_e)
        src_node, tgt_node = _node_of(c.source), _node_of(c.target)
        for op_name, var in source_inputs:
            conns.append(ConnectionDef(c.source, f"{label}/{op_name}/{var}", c.source_idx, units,
                                       ones, c.delays, c.spreads))
        for op_name, var, path in mapped:
            if _node_of(path) == tgt_node:
                idx = c.target_idx
            elif _node_of(path) == src_node:
                idx = c.source_idx
            else:
                raise TemplateError(
                    f"{where}: edge variable '{op_name}/{var}' is mapped to '{path}', which is "
                    f"neither in the target population '{tgt_node}' nor in the source "
                    f"population '{src_node}'")
            conns.append(ConnectionDef(path, f"{label}/{op_name}/{var}", idx, units, ones))
        out_op, out_var = output_variable(node, where)
        conns.append(replace(c, source=f"{label}/{out_op}/{out_var}", source_idx=units,
                             delays=None, spreads=None, operators={}, template="",
                             edge_values={}))
    return NetworkDef(nodes, list(network.edges), network.name, connections=conns,
                      edge_blocks=network.edge_blocks)


def _wire_global(builder: Any, c: ConnectionDef, src: Any, s_elems: list[int], tgt: Any,
                 t_elems: list[int], where: str) -> None:
    """``target[i] += w * sum_j source[j]`` (scalar weights) in O(n): the sources, weighted
    and delayed, feed a one-element internal sum that feeds every target element.
    """
    w = float(c.weights)
    d = 0.0 if c.delays is None else float(c.delays)
    spread = 0.0 if c.spreads is None else float(c.spreads)
    if d < 0 or spread < 0 or (spread > 0 and d <= 0):
        raise TemplateError(f"{where}: delays must be >= 0, and a spread must be positive with "
                            "a positive delay (the mean of the distribution)")
    name = builder.fresh(f"{tgt.symbol.name}_sum_{src.symbol.name}")
    # the builder's own variable class (pyrates_core.compile._Var; importing it would cycle)
    hub = type(tgt)("input", sp.Symbol(name), 1, [np.zeros(1)],
                    [f"{c.target}<-sum({c.source})"])
    builder.vars[(name, "", "")] = hub
    sflat = np.asarray(s_elems, np.int64)
    builder.edge_sources.add(src.symbol.name)
    if spread > 0:
        builder._add_gamma(src, hub, [(int(j), 0, w, d, spread) for j in sflat.tolist()])
    else:
        builder._add_bundle(src.symbol.name, len(src.labels), hub, sflat,
                            np.zeros(sflat.size, np.int64), np.full(sflat.size, w),
                            np.full(sflat.size, d))
    builder.edge_sources.add(name)
    n_t = len(t_elems)
    builder._add_bundle(name, 1, tgt, np.zeros(n_t, np.int64), np.asarray(t_elems, np.int64),
                        np.ones(n_t), np.zeros(n_t))
