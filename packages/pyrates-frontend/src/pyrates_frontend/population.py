"""Populations of identical units and matrix connectivity between them (PyRates 1.1+ API).

A :class:`PopulationTemplate` is ``n`` copies of a node, held as *one* node whose variables are
length-``n`` vectors (element ``i`` is unit ``i``: ``'e/rate_op/r[3]'``; ``'e/rate_op/r'``
addresses all units). A :class:`Connectivity` couples two such variables through a
``(n_target, n_source)`` weight matrix (dense or ``scipy.sparse``), with optional per-entry
delays and spreads; it is lowered straight into the system's edge arrays
(:class:`pyrates_core.connectivity.ConnectionDef`), never into one object per unit or entry.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from pyrates_core.connectivity import ConnectionDef
from pyrates_core.errors import TemplateError
from pyrates_core.model import NodeDef
from pyrates_frontend.building import resolve_template
from pyrates_frontend.templates import EdgeTemplate, NodeTemplate

__all__ = ["Connectivity", "PopulationTemplate", "add_populations"]


class PopulationTemplate:
    """``n`` identical units of ``node``; ``params`` maps ``'op/var'`` to a scalar (all units)
    or a length-``n`` array (one value per unit).
    """

    def __init__(self, name: str, node: NodeTemplate | str, n: int,
                 params: dict[str, Any] | None = None) -> None:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise TemplateError(f"population '{name}': n must be a positive integer, got {n!r}")
        self.name = name
        self.path = name
        self.node: NodeTemplate = resolve_template(node, NodeTemplate, f"population '{name}'")
        self.n = int(n)
        self.params: dict[str, Any] = dict(params or {})
        for key, value in self.params.items():
            self._check(key, value)

    def _check(self, key: str, value: Any) -> None:
        op, _, var = key.partition("/")
        if op not in self.node.operators or var not in self.node.operators[op].variables:
            raise TemplateError(f"population '{self.name}': params key '{key}' is not an "
                                f"'op/var' of node '{self.node.path}'")
        size = np.size(value)
        if np.ndim(value) > 1 or size not in (1, self.n):
            raise TemplateError(f"population '{self.name}': '{key}' needs a scalar or "
                                f"{self.n} values, got shape {np.shape(value)}")

    def to_def(self, values: dict[str, Any] | None = None) -> NodeDef:
        """The node definition with every unit-level variable a length-``n`` vector."""
        merged = {**self.params, **(values or {})}
        for key, value in (values or {}).items():
            self._check(key, value)
        base = self.node.to_def(merged)
        for op_name, op in base.operators.items():
            for var, decl in op.variables.items():
                value = np.asarray(decl.value)
                if value.ndim == 1 and value.size == self.n and self.n > 1:
                    continue
                if value.size != 1:
                    raise TemplateError(
                        f"population '{self.name}': '{op_name}/{var}' of node "
                        f"'{self.node.path}' has shape {value.shape}; populations need "
                        "scalar variables (one per unit)")
                op.variables[var] = decl.copy(np.full(self.n, value.reshape(())[()]))
        return NodeDef(base.operators, self.node.name, units=self.n)


class Connectivity:
    """``target += weights @ source`` between two population variables (``'pop/op/var'``).

    ``weights``: ``(n_target, n_source)`` matrix, dense or ``scipy.sparse``; ``delays`` and
    ``spread``: scalars or matrices of the same shape (per entry); ``spread`` makes the delays
    gamma-distributed (ODE chains). Scalar ``weights`` are global all-to-all coupling,
    ``target[i] += weights * sum_j source[j]``, built in O(n) without a matrix (scalar delays
    and spread only).

    ``edge``: an :class:`EdgeTemplate` (or its path) evaluated on every non-zero entry
    ``(i, j)``: ``target[i] += weights[i, j] * out_ij``, ``out_ij`` being the edge's output
    variable, with state variables of its own per entry (dynamic edges). ``edge_var_map`` maps
    the edge's variables (``var``, ``op/var``) to ``'source'`` (the input that receives
    ``source[j]``, delayed by ``delays[i, j]``), to a variable path of the target population
    (``'e/phase_op/theta'``: it receives ``theta[i]``; a path of the source population gives
    element ``j``), to a number, or to a ``(n_target, n_source)`` matrix of per-entry values.
    """

    def __init__(self, source: str, target: str, weights: Any, edge: Any = None,
                 edge_var_map: dict[str, Any] | None = None, delays: Any = None,
                 spread: Any = None) -> None:
        where = f"Connectivity {source} -> {target}"
        if spread is not None and delays is None:
            raise TemplateError(f"{where}: a spread needs delays")
        self.source, self.target = source, target
        self.weights = weights if hasattr(weights, "tocoo") else np.asarray(weights, float)
        if np.ndim(self.weights) == 0 and edge is not None:
            raise TemplateError(f"{where}: an edge template needs a weight matrix (it is "
                                "evaluated per entry), not scalar weights")
        if np.ndim(self.weights) not in (0, 2):
            raise TemplateError(f"{where}: weights must be a (n_target, n_source) matrix, got "
                                f"shape {np.shape(weights)}")
        if edge_var_map and edge is None:
            raise TemplateError(f"{where}: edge_var_map needs an edge template (edge=...)")
        self.edge: EdgeTemplate | None = None if edge is None else resolve_template(
            edge, EdgeTemplate, where)
        self.edge_var_map: dict[str, Any] = dict(edge_var_map or {})
        if self.edge is not None:
            _check_edge_var_map(self.edge, self.edge_var_map, where)
        self.delays, self.spread = delays, spread

    def to_def(self, prefix: str = "") -> ConnectionDef:
        """The core's per-entry arrays, with ``prefix`` before both paths (and before the
        variable paths of ``edge_var_map``).
        """
        values = {k: f"{prefix}{v}" if isinstance(v, str) and v != "source" else v
                  for k, v in self.edge_var_map.items()}
        c = ConnectionDef.from_matrix(f"{prefix}{self.source}", f"{prefix}{self.target}",
                                      self.weights, self.delays, self.spread, values)
        if self.edge is not None:
            c.operators = dict(self.edge.to_def().operators)
            c.template = self.edge.path
        return c


def _check_edge_var_map(edge: EdgeTemplate, var_map: dict[str, Any], where: str) -> None:
    """Every key of ``var_map`` names a variable of ``edge`` (else: an error with suggestions)."""
    known = {f"{o}/{v}": v for o, op in edge.operators.items() for v in op.variables}
    for key in var_map:
        parts = key.split("/")
        if len(parts) == 3 and parts[0] == edge.name:
            parts = parts[1:]
        if "/".join(parts) in known or (len(parts) == 1 and parts[0] in known.values()):
            continue
        close = difflib.get_close_matches(parts[-1], list(dict.fromkeys(known.values())), n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise TemplateError(f"{where}: edge_var_map key '{key}' is not a variable of edge "
                            f"template '{edge.path}' (variables: {', '.join(known)}).{hint}")


def add_populations(circuit: Any, populations: Any, connections: Any) -> None:
    """Add ``populations`` (a list, or a dict label -> population) and ``connections`` to
    ``circuit`` (``CircuitTemplate(..., populations=..., connections=...)``).
    """
    items = list(populations.items()) if isinstance(populations, dict) else \
        [(p.name, p) for p in (populations or [])]
    for label, pop in items:
        if not isinstance(pop, PopulationTemplate):
            raise TemplateError(f"circuit '{circuit.path}': populations takes "
                                f"PopulationTemplate objects, got {type(pop).__name__}")
        circuit._check_label(label)
        circuit.nodes[label] = pop
    for conn in connections or []:
        if not isinstance(conn, Connectivity):
            raise TemplateError(f"circuit '{circuit.path}': connections takes Connectivity "
                                f"objects, got {type(conn).__name__}")
        circuit.connections.append(conn)
