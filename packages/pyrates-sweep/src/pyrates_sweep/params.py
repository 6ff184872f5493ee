"""Parameter grids and parameter maps: which values go where in the model.

A *grid* is a table with one row per parameter set; a *param_map* says which model variables
or edge attributes every grid column sets. :func:`resolve_targets` turns the map into a list
of :class:`Target` objects (one per model variable or edge attribute) and rejects names that the
model does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pyrates_core.compile import split_path
from pyrates_core.errors import VariableNotFoundError
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.paths import pattern_for

__all__ = ["Target", "apply_values", "linearize_grid", "resolve_targets"]

_MAP_KEYS = {"vars", "nodes", "edges"}


# -- grids -------------------------------------------------------------------------------------
def linearize_grid(param_grid: Mapping[str, Any] | pd.DataFrame,
                   permute_grid: bool = False) -> pd.DataFrame:
    """One row per parameter set, one column per parameter (PyRates 1.x ``linearize_grid``).

    Without ``permute_grid`` all value lists must have the same length and row ``i`` takes
    element ``i`` of each. With ``permute_grid=True`` the rows are all combinations, in the
    order of PyRates 1.x (``numpy.meshgrid`` with ``'xy'`` indexing: the first parameter varies
    fastest, the second slowest, further ones fastest-last). A DataFrame is taken as it is
    (its index labels the sets).
    """
    if isinstance(param_grid, pd.DataFrame):
        table = param_grid.copy()
    elif isinstance(param_grid, Mapping):
        columns = {str(k): _value_list(k, v) for k, v in param_grid.items()}
        if not columns:
            raise ValueError("param_grid is empty: give at least one parameter with values")
        if permute_grid:
            axes = np.meshgrid(*(np.arange(len(v)) for v in columns.values()))
            picks = [a.ravel() for a in axes]
            table = pd.DataFrame({k: [v[i] for i in idx] for (k, v), idx
                                  in zip(columns.items(), picks, strict=True)})
        else:
            lengths = {k: len(v) for k, v in columns.items()}
            if len(set(lengths.values())) > 1:
                detail = ", ".join(f"'{k}': {n}" for k, n in lengths.items())
                raise ValueError(
                    "param_grid: without permute_grid=True all parameters need the same "
                    f"number of values (row i takes value i of each), got {detail}; pass "
                    "permute_grid=True for all combinations")
            table = pd.DataFrame(columns)
    else:
        raise TypeError("param_grid must be a dict {name: values} or a pandas DataFrame, "
                        f"got {type(param_grid).__name__}")
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError("param_grid is empty: give at least one value per parameter")
    if not table.index.is_unique:
        raise ValueError("param_grid: the DataFrame index labels the parameter sets and must "
                         "be unique")
    return table


def _value_list(name: Any, values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"param_grid['{name}'] must be a list or array of values, got a string")
    arr = np.asarray(values)
    if arr.ndim == 0:
        return [arr.item()]
    if arr.ndim != 1:
        raise ValueError(f"param_grid['{name}'] must be one-dimensional, got shape {arr.shape}")
    return arr.tolist()


# -- targets -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One model quantity that a grid column sets: a node variable or an edge attribute."""

    column: str
    """Grid column (parameter name) that sets it."""
    path: str
    """``node/op/var`` for node variables; ``'source -> target [index]'`` for edges."""
    owner: tuple[str, ...] = ()
    """Edges: labels of the sub-circuits leading to the circuit that holds the edge."""
    source: str = ""
    target: str = ""
    index: int = -1
    """Edges: position among the owner's edges with the same source and target."""
    attr: str = ""
    """Edges: the attribute (``weight``, ``delay``, ``spread``, an edge-operator variable)."""

    @property
    def is_edge(self) -> bool:
        """True for edge attributes."""
        return bool(self.attr)


def resolve_targets(circuit: CircuitTemplate, param_map: Mapping[str, Any],
                    columns: Iterable[str]) -> list[Target]:
    """The model quantities that every grid column sets; an error for anything not found."""
    if not isinstance(param_map, Mapping):
        raise TypeError(f"param_map must be a dict, got {type(param_map).__name__}")
    columns = list(columns)
    extra = [k for k in param_map if k not in columns]
    if extra:
        raise ValueError(f"param_map has entries {extra} that param_grid does not have; "
                         f"param_grid parameters: {columns}")
    variables = list(circuit.variable_paths())
    out: list[Target] = []
    for name in columns:
        if name not in param_map:
            raise VariableNotFoundError(
                f"grid_search: parameter '{name}' of param_grid has no entry in param_map; add "
                f"param_map['{name}'] = {{'vars': ['op/var'], 'nodes': ['node']}}")
        var_list, nodes, edges = _check_entry(name, param_map[name])
        if edges is not None:
            found, missing = _edge_targets(name, var_list, edges, circuit)
        else:
            found, missing = _node_targets(name, var_list, nodes, variables)
        if missing:
            what = "edge" if edges is not None else "variable"
            raise VariableNotFoundError(
                f"grid_search: param_map['{name}'] refers to {what}(s) "
                f"{', '.join(repr(m) for m in missing)}, which circuit '{circuit.path}' does not "
                f"have{_hint(missing, variables, edges is not None, circuit)}")
        out.extend(found)
    return out


def _hint(missing: Sequence[str], variables: Sequence[str], edges: bool,
          circuit: CircuitTemplate) -> str:
    import difflib

    pool = ([f"{s} -> {t}" for _, s, t, *_ in _walk_edges(circuit, ())] if edges
            else list(variables))
    near = difflib.get_close_matches(missing[0], pool, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""


def _check_entry(name: str, entry: Any) -> tuple[list[str], Any, Any]:
    if not isinstance(entry, Mapping):
        raise TypeError(f"param_map['{name}'] must be a dict {{'vars': [...], 'nodes': [...]}}"
                        f" or {{'vars': [...], 'edges': [...]}}, got {entry!r}")
    unknown = set(entry) - _MAP_KEYS
    if unknown:
        raise ValueError(f"param_map['{name}'] has unknown key(s) {sorted(unknown)}; allowed "
                         "are 'vars', 'nodes' and 'edges'")
    if "nodes" in entry and "edges" in entry:
        raise ValueError(f"param_map['{name}'] gives both 'nodes' and 'edges'; a parameter "
                         "sets either node variables or edge attributes")
    var_list = entry.get("vars")
    if isinstance(var_list, str):
        var_list = [var_list]
    if (not isinstance(var_list, (list, tuple)) or not var_list
            or not all(isinstance(v, str) and v for v in var_list)):
        raise ValueError(f"param_map['{name}']['vars'] must be a non-empty list of variable "
                         f"names ('op/var' for nodes, e.g. 'weight' for edges), got {var_list!r}")
    if "edges" not in entry:
        for v in var_list:
            parts = v.split("/")
            if len(parts) != 2 or not all(parts):
                raise ValueError(
                    f"param_map['{name}']['vars']: '{v}' is not an operator variable; write "
                    "'operator/variable' (e.g. 'qif_op/eta'); the nodes go into 'nodes'")
    return list(var_list), entry.get("nodes"), entry.get("edges")


def _node_targets(name: str, var_list: list[str], nodes: Any,
                  variables: Sequence[str]) -> tuple[list[Target], list[str]]:
    if nodes is not None and (isinstance(nodes, str) or not isinstance(nodes, Iterable)):
        raise TypeError(f"param_map['{name}']['nodes'] must be a list of node labels, "
                        f"got {nodes!r}")
    found: list[str] = []
    missing: list[str] = []
    for var in var_list:
        paths = [f"all/{var}"] if nodes is None else [f"{n}/{var}" for n in nodes]
        for path in paths:
            if nodes is None:
                hits = [p for p in variables if p.endswith(f"/{var}")]
            else:
                pat = pattern_for(path)
                hits = [p for p in variables if p == path or pat.match(p)]
            if not hits:
                missing.append(path)
            found.extend(hits)
    return [Target(name, p) for p in dict.fromkeys(found)], missing


def _edge_targets(name: str, var_list: list[str], edges: Any,
                  circuit: CircuitTemplate) -> tuple[list[Target], list[str]]:
    if isinstance(edges, str) or not isinstance(edges, Iterable):
        raise TypeError(f"param_map['{name}']['edges'] must be a list of (source, target) "
                        f"pairs, got {edges!r}")
    found: list[Target] = []
    missing: list[str] = []
    all_edges = list(_walk_edges(circuit, ()))
    for spec in edges:
        if (not isinstance(spec, (list, tuple)) or len(spec) not in (2, 3)
                or not all(isinstance(s, str) for s in spec[:2])
                or (len(spec) == 3 and not isinstance(spec[2], (int, np.integer)))):
            raise ValueError(f"param_map['{name}']['edges']: {spec!r} is not a (source, target) "
                             "or (source, target, index) tuple")
        src, tgt = spec[0], spec[1]
        hits = [e for e in all_edges if _edge_matches(e[1], src) and _edge_matches(e[2], tgt)]
        if len(spec) == 3:
            hits = [e for e in hits if e[5] == int(spec[2])]
        elif src.count("/") >= 2 and tgt.count("/") >= 2:
            hits = [e for e in hits if e[5] == 0]  # PyRates 1.x: the first of parallel edges
        if not hits:
            missing.append(f"{src} -> {tgt}" + (f" [{spec[2]}]" if len(spec) == 3 else ""))
        for owner, full_src, full_tgt, local_src, local_tgt, j in hits:
            found.extend(Target(name, f"{full_src} -> {full_tgt} [{j}]", owner, local_src,
                                local_tgt, j, a) for a in var_list)
    return list(dict.fromkeys(found)), missing


def _walk_edges(circuit: CircuitTemplate, owner: tuple[str, ...]
                ) -> Iterable[tuple[tuple[str, ...], str, str, str, str, int]]:
    """All edges: (owner, full source, full target, local source, local target, index)."""
    prefix = "".join(f"{o}/" for o in owner)
    seen: dict[tuple[str, str], int] = {}
    for src, tgt, *_ in circuit.edges:
        j = seen.get((src, tgt), 0)
        seen[(src, tgt)] = j + 1
        yield owner, f"{prefix}{src}", f"{prefix}{tgt}", src, tgt, j
    for label, sub in circuit.circuits.items():
        yield from _walk_edges(sub, (*owner, label))


def _edge_matches(path: str, spec: str) -> bool:
    """An edge end matches its full variable path or the label of its node."""
    return path == spec or split_path(path)[0] == spec


def apply_values(circuit: CircuitTemplate, values: Mapping[Target, Any]) -> CircuitTemplate:
    """Set every target to its value, in place (node variables and edge attributes)."""
    node_vars = {t.path: v for t, v in values.items() if not t.is_edge}
    if node_vars:
        circuit.update_var(node_vars=node_vars)
    per_owner: dict[tuple[str, ...], list[tuple]] = {}
    for t, v in values.items():
        if t.is_edge:
            per_owner.setdefault(t.owner, []).append((t.source, t.target, t.index, {t.attr: v}))
    for owner, changes in per_owner.items():
        sub = circuit
        for label in owner:
            sub = sub.circuits[label]
        sub.update_var(edge_vars=changes)
    return circuit
