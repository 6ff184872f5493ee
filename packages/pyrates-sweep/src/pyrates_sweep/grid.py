"""Vectorized parameter sweeps: many parameterizations of one circuit in one simulation.

:func:`grid_search` copies the model once per parameter set, sets each copy's parameters,
combines the copies as sub-circuits ``p0``, ``p1``, ... of one circuit and simulates that
circuit once. The compiler vectorizes nodes of equal structure, so the generated code is the
same size for 2 or 20,000 parameter sets; only the arrays of parameter values grow.
"""

from __future__ import annotations

import copy
import itertools
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pyrates_core.compile import compile_network, split_path
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.paths import pattern_for

__all__ = ["build_grid_circuit", "grid_search", "linearize_grid"]

_MAP_KEYS = {"vars", "nodes", "edges"}


# -- parameter grid ----------------------------------------------------------------------------
def linearize_grid(param_grid: Mapping[str, Any] | pd.DataFrame,
                   permute_grid: bool = False) -> pd.DataFrame:
    """One row per parameter set, labelled ``'p0'``, ``'p1'``, ...; one column per parameter.

    With ``permute_grid=True`` the rows are the cartesian product of the value lists (the
    first parameter varies slowest); otherwise all lists must have the same length and row
    ``i`` takes element ``i`` of each list. A DataFrame is taken row by row as it is.
    """
    if isinstance(param_grid, pd.DataFrame):
        table = param_grid.reset_index(drop=True).copy()
    else:
        if not isinstance(param_grid, Mapping):
            raise TypeError("param_grid must be a dict {name: values} or a pandas DataFrame, "
                            f"got {type(param_grid).__name__}")
        columns = {str(k): _value_list(k, v) for k, v in param_grid.items()}
        if permute_grid:
            rows = list(itertools.product(*columns.values()))
            table = pd.DataFrame(rows, columns=list(columns))
        else:
            lengths = {k: len(v) for k, v in columns.items()}
            if len(set(lengths.values())) > 1:
                detail = ", ".join(f"'{k}': {n}" for k, n in lengths.items())
                raise ValueError(
                    "param_grid: without permute_grid=True all parameters need the same "
                    f"number of values (row i takes value i of each), got {detail}; pass "
                    "permute_grid=True for all combinations")
            table = pd.DataFrame(columns)
    if table.shape[0] == 0:
        raise ValueError("param_grid is empty: give at least one value per parameter")
    table.index = pd.Index([f"p{i}" for i in range(table.shape[0])])
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


# -- parameter map -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _EdgeTarget:
    """One edge attribute of the model: where the edge lives and how update_var finds it."""

    owner: tuple[str, ...]
    """Sub-circuit labels leading to the circuit that holds the edge (empty: the top level)."""
    source: str
    """Source path as the owner circuit stores it."""
    target: str
    index: int
    """Position among the owner's edges with the same source and target."""
    attr: str


@dataclass
class _Targets:
    nodes: list[str]
    edges: list[_EdgeTarget]


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
                  variables: Sequence[str]) -> tuple[list[str], list[str]]:
    found: list[str] = []
    missing: list[str] = []
    if nodes is not None and (isinstance(nodes, str) or not isinstance(nodes, Iterable)):
        raise TypeError(f"param_map['{name}']['nodes'] must be a list of node labels, "
                        f"got {nodes!r}")
    for var in var_list:
        if nodes is None:
            hits = [p for p in variables if p.endswith(f"/{var}") and p.count("/") >= 2]
            if not hits:
                missing.append(f"all/{var}")
            found.extend(hits)
            continue
        for node in nodes:
            path = f"{node}/{var}"
            pat = pattern_for(path)
            hits = [p for p in variables if p == path or pat.match(p)]
            if not hits:
                missing.append(path)
            found.extend(hits)
    return list(dict.fromkeys(found)), missing


def _edge_targets(name: str, var_list: list[str], edges: Any,
                  circuit: CircuitTemplate) -> tuple[list[_EdgeTarget], list[str]]:
    if isinstance(edges, str) or not isinstance(edges, Iterable):
        raise TypeError(f"param_map['{name}']['edges'] must be a list of (source, target) "
                        f"pairs, got {edges!r}")
    found: list[_EdgeTarget] = []
    missing: list[str] = []
    all_edges = list(_walk_edges(circuit, ()))
    for spec in edges:
        if (not isinstance(spec, (list, tuple)) or len(spec) not in (2, 3)
                or not all(isinstance(s, str) for s in spec[:2])
                or (len(spec) == 3 and not isinstance(spec[2], int))):
            raise ValueError(f"param_map['{name}']['edges']: {spec!r} is not a (source, target) "
                             "or (source, target, index) tuple")
        src, tgt = spec[0], spec[1]
        hits = [e for e in all_edges if _edge_matches(e[1], src) and _edge_matches(e[2], tgt)]
        if len(spec) == 3:
            idx = spec[2]
            hits = hits[idx:idx + 1] if -len(hits) <= idx < len(hits) else []
        if not hits:
            missing.append(f"{src} -> {tgt}" + (f" [{spec[2]}]" if len(spec) == 3 else ""))
        for owner, _, _, local_src, local_tgt, j in hits:
            found.extend(_EdgeTarget(owner, local_src, local_tgt, j, a) for a in var_list)
    return list(dict.fromkeys(found)), missing


def _walk_edges(circuit: CircuitTemplate, owner: tuple[str, ...]
                ) -> Iterable[tuple[tuple[str, ...], str, str, str, str, int]]:
    """All edges: (owner, full source, full target, local source, local target, index).

    ``index`` counts earlier edges of the owner with the same local source and target.
    """
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


def _resolve(circuit: CircuitTemplate, param_map: Mapping[str, Any],
             names: Iterable[str]) -> dict[str, _Targets]:
    if not isinstance(param_map, Mapping):
        raise TypeError(f"param_map must be a dict, got {type(param_map).__name__}")
    variables = list(circuit.variable_paths())
    out: dict[str, _Targets] = {}
    for name in names:
        if name not in param_map:
            warnings.warn(f"grid_search: parameter '{name}' of param_grid has no entry in "
                          "param_map; it is listed in the parameter table but changes nothing",
                          UserWarning, stacklevel=3)
            out[name] = _Targets([], [])
            continue
        var_list, nodes, edges = _check_entry(name, param_map[name])
        if edges is not None:
            edge_targets, missing = _edge_targets(name, var_list, edges, circuit)
            node_targets: list[str] = []
        else:
            node_targets, missing = _node_targets(name, var_list, nodes, variables)
            edge_targets = []
        if missing:
            effect = ("it changes nothing" if not node_targets and not edge_targets
                      else "these are skipped")
            warnings.warn(f"grid_search: param_map['{name}'] refers to "
                          f"{', '.join(repr(m) for m in missing)}, which circuit "
                          f"'{circuit.path}' does not have; {effect}", UserWarning, stacklevel=3)
        out[name] = _Targets(node_targets, edge_targets)
    return out


def _as_value(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _parameterize(model: CircuitTemplate, row: Mapping[str, Any],
                  targets: Mapping[str, _Targets]) -> CircuitTemplate:
    """A copy of ``model`` with the parameter values of one row."""
    c = copy.deepcopy(model)
    node_vars: dict[str, Any] = {}
    edge_vars: dict[tuple[str, ...], list[tuple]] = {}
    for name, tgt in targets.items():
        val = _as_value(row[name])
        for path in tgt.nodes:
            node_vars[path] = val
        for e in tgt.edges:
            edge_vars.setdefault(e.owner, []).append((e.source, e.target, e.index,
                                                      {e.attr: val}))
    if node_vars:
        c.update_var(node_vars=node_vars)
    for owner, changes in edge_vars.items():
        sub = c
        for label in owner:
            sub = sub.circuits[label]
        sub.update_var(edge_vars=changes)
    return c


def build_grid_circuit(circuit_template: CircuitTemplate | str,
                       param_grid: Mapping[str, Any] | pd.DataFrame,
                       param_map: Mapping[str, Any], permute_grid: bool = False,
                       name: str = "grid") -> tuple[CircuitTemplate, pd.DataFrame]:
    """The circuit that :func:`grid_search` simulates, and its parameter table.

    Returns ``(grid, param_table)``: ``grid`` has one sub-circuit per row of ``param_table``
    (labelled like the rows, ``'p0'``, ``'p1'``, ...), each a copy of the model with that
    row's parameter values. ``circuit_template`` itself is not changed.
    """
    model = _load(circuit_template)
    table = linearize_grid(param_grid, permute_grid)
    targets = _resolve(model, param_map, table.columns)
    copies: dict[str, CircuitTemplate | str] = {
        str(label): _parameterize(model, row, targets) for label, row in table.iterrows()}
    return CircuitTemplate(name, circuits=copies), table


def _load(circuit_template: CircuitTemplate | str) -> CircuitTemplate:
    if isinstance(circuit_template, str):
        return CircuitTemplate.from_yaml(circuit_template)
    if not isinstance(circuit_template, CircuitTemplate):
        raise TypeError("circuit_template must be a CircuitTemplate or a template path, got "
                        f"{type(circuit_template).__name__}")
    return circuit_template


# -- inputs and outputs ------------------------------------------------------------------------
def _default_outputs(model: CircuitTemplate) -> dict[str, str]:
    system = compile_network(model.network(), vectorize=True)
    paths = [lab.split("[")[0] for s in system.states if "_chain" not in s.name
             for lab in s.labels]
    return {p: p for p in dict.fromkeys(paths)}


def _input_labels(model: CircuitTemplate) -> list[str]:
    net = model.network()
    return [f"{p}/{o}/{v}" for p, n in net.nodes.items() for o, op in n.operators.items()
            for v, d in op.variables.items() if d.kind == "input"]


def _grid_inputs(model: CircuitTemplate, inputs: Mapping[str, Any] | None,
                 n_sets: int) -> dict[str, tuple[np.ndarray, int]]:
    """Input path -> (array with one column per matched variable of all copies, or 1-D; k)."""
    out: dict[str, tuple[np.ndarray, int]] = {}
    labels = _input_labels(model)
    for path, data in (inputs or {}).items():
        pat = pattern_for(path)
        k = sum(1 for lab in labels if lab == path or pat.match(lab))
        if k == 0:
            raise KeyError(f"grid_search: input '{path}' matches no input variable of the model "
                           f"(input variables: {', '.join(labels) or 'none'})")
        arr = np.asarray(data)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim == 3 and arr.shape[1:] == (n_sets, k):
            arr = arr.reshape(arr.shape[0], n_sets * k)
        elif arr.ndim == 2 and k > 1 and arr.shape[1] == k:
            arr = np.tile(arr, (1, n_sets))
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] != n_sets * k):
            per_set = (f"(n_steps, {n_sets})" if k == 1
                       else f"(n_steps, {n_sets}, {k}) or (n_steps, {n_sets * k})")
            raise ValueError(
                f"grid_search: input '{path}' has shape {np.shape(data)}; it matches {k} "
                f"variable(s) per parameter set and there are {n_sets} sets, so pass "
                f"(n_steps,) for all sets, {per_set} for one series per set"
                + (f" or (n_steps, {k}) for the same inputs in every set" if k > 1 else ""))
        out[path] = (arr, k)
    return out


def _chunk_inputs(grid_inputs: Mapping[str, tuple[np.ndarray, int]], start: int,
                  stop: int) -> dict[str, np.ndarray]:
    out = {}
    for path, (arr, k) in grid_inputs.items():
        out[f"all/{path}"] = arr if arr.ndim == 1 else arr[:, start * k:stop * k]
    return out


# -- the sweep ---------------------------------------------------------------------------------
def grid_search(circuit_template: CircuitTemplate | str,
                param_grid: Mapping[str, Any] | pd.DataFrame, param_map: Mapping[str, Any],
                step_size: float, simulation_time: float,
                inputs: Mapping[str, Any] | None = None,
                outputs: Mapping[str, str] | Sequence[str] | None = None,
                sampling_step_size: float | None = None, permute_grid: bool = False,
                vectorize: bool = True, solver: str = "euler", backend: str = "numpy",
                clear: bool = True, progress: bool | None = None,
                **kwargs: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a circuit for every parameter set of a grid, all in one simulation.

    Parameters
    ----------
    circuit_template
        The model: a :class:`~pyrates_frontend.CircuitTemplate` or a template path
        (``'model_templates.neural_mass_models.qif.qif'``). It is not changed.
    param_grid
        ``{name: values}`` (or a DataFrame, one row per parameter set).
    param_map
        ``{name: {'vars': ['op/var', ...], 'nodes': ['node', ...]}}`` for node variables
        (without ``'nodes'``: every node that has the variable) or
        ``{name: {'vars': ['weight'], 'edges': [(source, target), ...]}}`` for edge attributes
        (``weight``, ``delay``, ``spread`` or edge-operator variables); edge ends are variable
        paths or node labels, an optional third element picks one of several parallel edges.
    step_size, simulation_time, sampling_step_size, solver, backend, clear
        As in :meth:`CircuitTemplate.run`.
    inputs
        ``{'node/op/var': series}`` as for a single model: a 1-D series drives every
        parameter set; ``(n_steps, n_sets)`` gives one column per set (``(n_steps, n_sets, k)``
        when the path matches ``k`` variables per set).
    outputs
        ``{key: 'node/op/var'}`` (or a list of paths) of the single model; default: all state
        variables.
    permute_grid
        All combinations of the value lists instead of row-wise pairing.
    vectorize
        ``False`` simulates the combined circuit without vectorization (slow; for checks).
    progress
        Show progress bars; default: when standard error is a terminal.
    **kwargs
        ``chunk_size`` (at most this many parameter sets per simulation), otherwise passed to
        :meth:`CircuitTemplate.run` (e.g. ``numba=False``, ``float_precision``).

    Returns
    -------
    results, param_table
        ``results`` is indexed by time with columns ``(key, label)``, or ``(key, label, node)``
        when an output path matches several nodes of the model; ``param_table`` has one row
        per parameter set, indexed by the labels ``'p0'``, ``'p1'``, ....
    """
    chunk_size = kwargs.pop("chunk_size", None)
    if chunk_size is not None and (not isinstance(chunk_size, (int, np.integer))
                                   or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    if progress is None:
        progress = sys.stderr.isatty()
    model = _load(circuit_template)
    table = linearize_grid(param_grid, permute_grid)
    targets = _resolve(model, param_map, table.columns)
    if outputs is None:
        outputs = _default_outputs(model)
    elif isinstance(outputs, str):
        outputs = {outputs: outputs}
    elif not isinstance(outputs, Mapping):
        outputs = {p: p for p in outputs}
    out_paths = {str(k): v for k, v in outputs.items()}
    grid_outputs = {k: f"all/{p.strip('/')}" for k, p in out_paths.items()}
    n_sets = table.shape[0]
    size = n_sets if chunk_size is None else int(chunk_size)
    grid_inputs = _grid_inputs(model, inputs, n_sets)
    labels = [str(label) for label in table.index]
    bar = _bar(progress, n_sets)
    frames = []
    try:
        for start in range(0, n_sets, size):
            stop = min(start + size, n_sets)
            copies: dict[str, CircuitTemplate | str] = {
                label: _parameterize(model, table.loc[label], targets)
                for label in labels[start:stop]}
            grid = CircuitTemplate(f"{model.name}_grid", circuits=copies)
            res = grid.run(simulation_time, step_size, inputs=_chunk_inputs(grid_inputs, start,
                                                                           stop),
                           outputs=grid_outputs, solver=solver, backend=backend,
                           sampling_step_size=sampling_step_size, vectorize=vectorize,
                           clear=clear, progress=progress, **kwargs)
            frames.append(res)
            if bar is not None:
                bar.update(stop - start)
    finally:
        if bar is not None:
            bar.close()
    results = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
    return _organize(results, list(out_paths), labels), table


def _organize(results: pd.DataFrame, keys: list[str], labels: list[str]) -> pd.DataFrame:
    """Columns (output, 'p3/node') -> (output, 'p3') or (output, 'p3', 'node')."""
    cols = []
    for key, node in results.columns:
        label, _, inner = str(node).partition("/")
        cols.append((key, label, inner))
    per_set: dict[tuple[str, str], int] = {}
    for key, label, _ in cols:
        per_set[(key, label)] = per_set.get((key, label), 0) + 1
    deep = any(n > 1 for n in per_set.values())
    if deep:
        index = pd.MultiIndex.from_tuples(cols, names=["output", "param_set", "node"])
    else:
        index = pd.MultiIndex.from_tuples([c[:2] for c in cols], names=["output", "param_set"])
    out = results.copy()
    out.columns = index
    key_pos = {k: i for i, k in enumerate(keys)}
    lab_pos = {k: i for i, k in enumerate(labels)}
    order = sorted(range(len(cols)), key=lambda i: (key_pos[cols[i][0]], lab_pos[cols[i][1]]))
    return out.iloc[:, order]


def _bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc="grid_search", unit="set")
