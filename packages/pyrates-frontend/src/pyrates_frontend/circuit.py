"""Circuits: nodes, sub-circuits and edges; the entry point for simulations."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_core.compile import split_path
from pyrates_core.edge_blocks import EdgeBlock
from pyrates_core.errors import TemplateError, VariableNotFoundError
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef
from pyrates_frontend.building import register_template_class, resolve_template
from pyrates_frontend.edge_matrix import (
    COMPACT_ATTRS,
    UPDATABLE_ATTRS,
    EdgeMatrix,
    matrix_entries,
)
from pyrates_frontend.paths import match_labels, pattern_for
from pyrates_frontend.templates import EdgeTemplate, NodeTemplate, Template, _close
from pyrates_frontend.validation import check_value

__all__ = ["CircuitTemplate"]

_EDGE_KEYS = ("weight", "delay", "spread")


def _edge_tuple(edge: Any, where: str) -> tuple[str, str, EdgeTemplate | None, dict[str, Any]]:
    if isinstance(edge, dict):
        edge = [edge.get("source"), edge.get("target"), edge.get("template"),
                {k: v for k, v in edge.items() if k not in ("source", "target", "template")}]
    if not isinstance(edge, (list, tuple)) or len(edge) not in (2, 3, 4):
        raise TemplateError(f"{where}: an edge is [source, target, template or null, "
                            f"{{weight: ..., delay: ...}}], got {edge!r}")
    src, tgt = edge[0], edge[1]
    tpl = edge[2] if len(edge) > 2 else None
    attrs = dict(edge[3]) if len(edge) > 3 and edge[3] else {}
    if tpl is not None:
        tpl = resolve_template(tpl, EdgeTemplate, where)
    for p in (src, tgt):
        if not isinstance(p, str) or p.count("/") < 2:
            raise TemplateError(f"{where}: edge endpoint {p!r} must be a path 'node/op/var'")
    for key in ("weight", "delay", "spread"):
        val = attrs.get(key)
        if val is not None and (isinstance(val, bool) or not isinstance(val, numbers.Real)):
            raise TemplateError(f"{where}: edge {src} -> {tgt} has {key} {val!r}; the {key} of "
                                "an edge must be a number")
    return src, tgt, tpl, attrs


class CircuitTemplate(Template):
    """A network of nodes (and sub-circuits) connected by edges.

    Build one from YAML (``CircuitTemplate.from_yaml('model_templates.neural_mass_models.
    jansenrit.JRC')``) or in Python (``CircuitTemplate('net', nodes={'p1': node, ...},
    edges=[('p1/op/r', 'p2/op/r_in', None, {'weight': 2.0})])``), then :meth:`run` it.
    """

    kind = "CircuitTemplate"

    def __init__(self, name: str, path: str | None = None, description: str = "",
                 circuits: dict[str, CircuitTemplate | str] | None = None,
                 nodes: dict[str, NodeTemplate | str] | None = None,
                 edges: Sequence[Any] | None = None, populations: Any = None,
                 connections: Sequence[Any] | None = None) -> None:
        super().__init__(name, path, description)
        self.nodes: dict[str, NodeTemplate] = {}
        self.circuits: dict[str, CircuitTemplate] = {}
        self._edge_list: list[tuple[str, str, EdgeTemplate | None, dict[str, Any]]] = []
        self._matrices: list[EdgeMatrix] = []
        """Edges of ``add_edges_from_matrix`` in compact form (see ``edges``)."""
        self._values: dict[str, Any] = {}
        """Per-variable values that differ from the templates (update_var, remembered state)."""
        self._run_cache: dict[str, Any] = {}
        self._state: dict[str, Any] = {}
        """Final state of the last run (``state``; the start of ``get_run_func``'s ``y``)."""
        self._carry: dict[str, Any] = {}
        """The part of it the next run starts from (runs with ``in_place=True``)."""
        self.run_stats: dict[str, Any] = {}
        """Timings of the last :meth:`run`: ``build_time`` (parsing, vectorization, code
        generation), ``compile_time`` (writing/importing/JIT set-up), ``run_time``."""
        for label, node in (nodes or {}).items():
            self._check_label(label)
            self.nodes[label] = resolve_template(node, NodeTemplate,
                                                 f"circuit '{self.path}', node '{label}'")
        for label, circ in (circuits or {}).items():
            self._check_label(label)
            self.circuits[label] = resolve_template(circ, CircuitTemplate, f"circuit '{self.path}'")
        self.add_edges(edges or [])
        self.connections: list[Any] = []
        if populations is not None or connections is not None:
            from pyrates_frontend.population import add_populations

            add_populations(self, populations, connections)

    def _check_label(self, label: str) -> None:
        if not isinstance(label, str) or "/" in label or not label or label == "all":
            raise TemplateError(f"circuit '{self.path}': invalid node label {label!r} (no '/', "
                                "not 'all')")
        if label in self.nodes or label in self.circuits:
            raise TemplateError(f"circuit '{self.path}': label '{label}' is used twice")

    # -- construction ----------------------------------------------------------------------
    @property
    def edges(self) -> list[tuple[str, str, EdgeTemplate | None, dict[str, Any]]]:
        """The edges ``(source, target, template, attributes)`` (compact matrix edges are
        expanded into this list when it is read).
        """
        if self._matrices:
            for m in self._matrices:
                self._edge_list.extend(m.expand())
            self._matrices = []
        return self._edge_list

    @edges.setter
    def edges(self, value: list[tuple[str, str, EdgeTemplate | None, dict[str, Any]]]) -> None:
        self._edge_list, self._matrices = value, []

    def add_edges(self, edges: Iterable[Any]) -> None:
        """Add edges ``[source, target, template or None, {'weight': w, 'delay': d, ...}]``."""
        for e in edges:
            src, tgt, tpl, attrs = _edge_tuple(e, f"circuit '{self.path}'")
            if tpl is not None:
                self._check_edge_template(src, tpl)
            self._edge_list.append((src, tgt, tpl, attrs))  # matrices stay compact
        self._run_cache.clear()

    @staticmethod
    def _check_edge_template(source: str, tpl: EdgeTemplate) -> None:
        var = split_path(source)[2]
        for op_name, op in tpl.operators.items():
            for vname, decl in op.variables.items():
                if decl.kind == "input" and vname == var:
                    raise TemplateError(
                        f"edge template '{tpl.path}': input variable '{op_name}/{vname}' has the "
                        f"same name as the edge's source variable '{source}'; rename the edge "
                        f"operator's input (e.g. to '{vname}_in')")

    def update_template(self, name: str | None = None, path: str | None = None,
                        description: str | None = None, circuits: dict | None = None,
                        nodes: dict | None = None, edges: list | None = None,
                        in_place: bool = False) -> CircuitTemplate | None:
        """Derive a circuit: the base's nodes, circuits and edges plus the given ones.

        With ``in_place=True`` this circuit is changed and None is returned (PyRates 1.x).
        """
        new = copy.deepcopy(self)
        new.name, new.path = name or self.name, path or name or self.path
        if description is not None:
            new.description = description
        for label, node in (nodes or {}).items():
            new.nodes[label] = resolve_template(node, NodeTemplate, f"circuit '{new.path}'")
        for label, circ in (circuits or {}).items():
            new.circuits[label] = resolve_template(circ, CircuitTemplate, f"circuit '{new.path}'")
        new.add_edges(edges or [])
        if not in_place:
            return new
        self.__dict__.update(new.__dict__)
        self._run_cache = {}
        return None

    def add_edges_from_matrix(self, source_var: str, target_var: str, source_nodes: list[str],
                              target_nodes: list[str] | None = None,
                              weight: np.ndarray | float | None = None,
                              template: EdgeTemplate | str | None = None,
                              edge_attr: dict[str, Any] | None = None,
                              min_weight: float = 1e-6) -> None:
        """Connect nodes through matrices indexed ``[target, source]``.

        ``source_var``/``target_var`` are ``'op/var'`` paths within the nodes; ``edge_attr``
        holds further attributes (``delay``, ``spread``, edge-operator variables) as matrices
        or scalars. Edges with ``|weight| < min_weight`` are not created.
        """
        targets = list(target_nodes) if target_nodes is not None else list(source_nodes)
        rows, cols, w, attrs = matrix_entries(weight, dict(edge_attr or {}),
                                              (len(targets), len(source_nodes)), min_weight)
        all_labels = self.node_paths()
        for lab in set(source_nodes) | set(targets):
            if lab not in all_labels:
                raise VariableNotFoundError(
                    f"add_edges_from_matrix: node '{lab}' is not in circuit '{self.path}'."
                    f"{_close(lab, all_labels)}")
        tpl = None if template is None else resolve_template(template, EdgeTemplate,
                                                             f"circuit '{self.path}'")
        matrix = EdgeMatrix(source_var, target_var, tuple(source_nodes), tuple(targets), rows,
                            cols, w, attrs)
        if tpl is None and set(attrs) <= COMPACT_ATTRS:
            for p in (source_var, target_var):
                if p.count("/") != 1:
                    raise TemplateError(f"add_edges_from_matrix: {p!r} must be an 'op/var' path")
            self._matrices.append(matrix)
            self._run_cache.clear()
            return
        self.add_edges([(s, t, tpl, a) for s, t, _, a in matrix.expand()])

    # -- access ----------------------------------------------------------------------------
    def node_paths(self, prefix: str = "") -> dict[str, NodeTemplate]:
        """All nodes by their full path (sub-circuit nodes as ``sub/node``)."""
        out = {f"{prefix}{k}": v for k, v in self.nodes.items()}
        for label, circ in self.circuits.items():
            out.update(circ.node_paths(f"{prefix}{label}/"))
        return out

    def __getitem__(self, key: str) -> Any:
        """A node, a sub-circuit, an operator (``node/op``) or a value (``node/op/var``)."""
        head, _, rest = key.partition("/")
        if head in self.circuits:
            return self.circuits[head][rest] if rest else self.circuits[head]
        if head in self.nodes:
            if not rest:
                return self.nodes[head]
            if rest.count("/") == 1:
                return self.get_var(key)
            return self.nodes[head][rest]
        raise VariableNotFoundError(
            f"circuit '{self.path}' has no node or circuit '{head}'."
            f"{_close(head, list(self.nodes) + list(self.circuits))}")

    def network(self, compact: bool = False) -> NetworkDef:
        """The flat network definition (all levels, current variable values).

        With ``compact=True`` the edges of ``add_edges_from_matrix`` stay arrays
        (``NetworkDef.edge_blocks``) instead of one :class:`EdgeDef` each.
        """
        nodes: dict[str, NodeDef] = {}
        edges: list[EdgeDef] = []
        blocks: list[EdgeBlock] = []
        self._flatten("", nodes, edges, {}, blocks if compact else None)
        conns = [e for e in edges if not isinstance(e, EdgeDef)]  # populations' matrices
        return NetworkDef(nodes, [e for e in edges if isinstance(e, EdgeDef)], self.name,
                          connections=conns, edge_blocks=blocks)

    def _flatten(self, prefix: str, nodes: dict[str, NodeDef], edges: list[EdgeDef] | None,
                 outer: dict[str, Any], blocks: list[EdgeBlock] | None = None) -> None:
        """Add this level's node (and, unless ``edges`` is None, edge) definitions."""
        mine = {**self._values, **getattr(self, "_carry", {})}
        values = {**{f"{prefix}{k}": v for k, v in mine.items()}, **outer}
        per_node: dict[str, dict[str, Any]] = {}
        for key, val in values.items():
            head, op, var = key.rsplit("/", 2)
            per_node.setdefault(head, {})[f"{op}/{var}"] = val
        plain: dict[int, NodeDef] = {}  # nodes without own values share one definition
        for label, node in self.nodes.items():
            path = f"{prefix}{label}"
            if path in per_node:
                nodes[path] = node.to_def(per_node[path])
            else:
                if id(node) not in plain:
                    plain[id(node)] = node.to_def({})
                nodes[path] = plain[id(node)]
        for label, circ in self.circuits.items():
            sub = {k: v for k, v in values.items() if k.startswith(f"{prefix}{label}/")}
            circ._flatten(f"{prefix}{label}/", nodes, edges, sub, blocks)
        if edges is None:  # nodes only (variable paths)
            return
        edges += [c.to_def(prefix) for c in getattr(self, "connections", [])]
        items = list(self._edge_list)
        if blocks is None:
            items += [e for m in self._matrices for e in m.expand()]
        else:
            blocks += [m.block(prefix) for m in self._matrices]
        for src, tgt, tpl, attrs in items:
            a = dict(attrs)
            known = {k: a.pop(k) for k in _EDGE_KEYS if k in a}
            ops = {}
            if tpl is not None:
                ops = {n: op for n, op in tpl.to_def().operators.items()}
            edges.append(EdgeDef(f"{prefix}{src}", f"{prefix}{tgt}",
                                 weight=float(known.get("weight", 1.0)),
                                 delay=_opt_float(known.get("delay")),
                                 spread=_opt_float(known.get("spread")),
                                 operators=ops, template=tpl.path if tpl else "", attrs=a))

    def variable_paths(self) -> dict[str, Any]:
        """Every variable of every node: ``node/op/var`` -> current value."""
        out: dict[str, Any] = {}
        nodes: dict[str, NodeDef] = {}
        self._flatten("", nodes, None, {})  # edges (compact or not) are not needed here
        for path, node in nodes.items():
            for op_name, op in node.operators.items():
                for var, decl in op.variables.items():
                    out[f"{path}/{op_name}/{var}"] = decl.value
        return out

    def get_var(self, var: str) -> Any:
        """Current value of a variable (``'node/op/var'``; ``all`` wildcards give a dict)."""
        values = self.variable_paths()
        found = match_labels(var, values, context=f"circuit '{self.path}'")
        if len(found) == 1 and found[0] == var:
            return values[var]
        return {k: values[k] for k in found}

    # -- PyRates 1.x accessors -------------------------------------------------------------
    @property
    def state(self) -> dict[str, Any]:
        """State variables (``node/op/var``) -> value at the end of the last run ({} before)."""
        return dict(getattr(self, "_state", {}))

    def get_nodes(self, node_identifier: str | list | tuple,
                  var_identifier: tuple[str, str] | None = None) -> list[str]:
        """Node paths matching ``node_identifier`` (``'all'`` per level; a list gives the
        levels), keeping only nodes that have ``var_identifier = (op, var)`` if given.
        """
        ident = node_identifier.split("/") if isinstance(node_identifier, str) \
            else list(node_identifier)
        pat = pattern_for("/".join(ident))
        found = [p for p in self.node_paths() if pat.match(p)]
        if var_identifier is not None:
            op, var = var_identifier
            found = [p for p in found if op in self.get_node_template(p).operators
                     and var in self.get_node_template(p).operators[op].variables]
        return found

    def get_node_template(self, node: str | list) -> NodeTemplate:
        """The node template at ``node`` (``'sub/node'`` or a list of levels)."""
        key = node if isinstance(node, str) else "/".join(node)
        nodes = self.node_paths()
        if key not in nodes:
            raise VariableNotFoundError(f"circuit '{self.path}' has no node '{key}'."
                                        f"{_close(key, nodes)}")
        return nodes[key]

    def add_node_template(self, node: str | list, template: NodeTemplate) -> None:
        """Put ``template`` at node ``node`` (replacing the node there, or adding it)."""
        parts = node.split("/") if isinstance(node, str) else list(node)
        if len(parts) > 1:
            if parts[0] not in self.circuits:
                raise VariableNotFoundError(f"circuit '{self.path}' has no sub-circuit "
                                            f"'{parts[0]}'.{_close(parts[0], self.circuits)}")
            self.circuits[parts[0]] = copy.deepcopy(self.circuits[parts[0]])  # may be shared
            self.circuits[parts[0]].add_node_template(parts[1:], template)
        else:
            self.nodes[parts[0]] = resolve_template(template, NodeTemplate,
                                                    f"circuit '{self.path}'")
        self._run_cache.clear()

    def collect_edges(self, delay_info: bool = False) -> list[tuple]:
        """All edges, sub-circuit edges with prefixed paths: ``(source, target, template,
        attributes)``, plus ``delayed`` (bool) as fifth entry if ``delay_info``.
        """
        out: list[tuple] = [(s, t, tpl, dict(a)) for s, t, tpl, a in self.edges]
        for label, circ in self.circuits.items():
            out += [(f"{label}/{s}", f"{label}/{t}", tpl, a) for s, t, tpl, a in
                    circ.collect_edges()]
        if delay_info:
            out = [(*e, bool(e[3].get("delay"))) for e in out]
        return out

    def get_edges(self, source: str | list, target: str | list) -> list[tuple]:
        """Edges whose source and target match (``'all'`` wildcards; ``('all', 'all')``
        gives every edge).
        """
        edges = self.collect_edges()
        if source == "all" and target == "all":
            return edges
        src = pattern_for(source if isinstance(source, str) else "/".join(source))
        tgt = pattern_for(target if isinstance(target, str) else "/".join(target))
        return [e for e in edges if src.match(e[0]) and tgt.match(e[1])]

    def get_edge(self, source: str, target: str, idx: int | None = None) -> tuple:
        """The ``idx``-th (default first) edge from ``source`` to ``target``."""
        hits = [e for e in self.collect_edges() if e[0] == source and e[1] == target]
        if not hits:
            raise VariableNotFoundError(f"circuit '{self.path}' has no edge {source} -> {target}")
        i = 0 if idx is None else idx
        if not -len(hits) <= i < len(hits):
            raise IndexError(f"circuit '{self.path}' has {len(hits)} edge(s) {source} -> "
                             f"{target}; idx={idx} is out of range")
        return hits[i]

    def get_variable_positions(self, outputs: dict[str, str] | str) -> tuple[dict, dict]:
        """Where variables live in the compiled system: ``(indices, backend names)``.

        For a dict, both results are keyed like ``outputs``; for a single path, by the matched
        ``node/op/var`` labels. Indices are element positions in the backend variable.
        """
        from pyrates_frontend.simulation import build_system

        system = build_system(self, True, "float64")
        where: dict[str, tuple[str, int]] = {}
        for group in (system.states, system.assignments, list(system.inputs.values()),
                      list(system.params.values())):
            for spec in group:
                for i, lab in enumerate(spec.labels):
                    where.setdefault(lab, (spec.name, i))
        requests = outputs if isinstance(outputs, dict) else {None: outputs}
        index: dict[str, Any] = {}
        names: dict[str, Any] = {}
        for key, path in requests.items():
            labs = match_labels(path, where, "variable", f"circuit '{self.path}'")
            if key is None:
                for lab in labs:
                    names[lab], index[lab] = where[lab][0], [where[lab][1]]
            else:
                names[key] = where[labs[0]][0]
                index[key] = [where[lab][1] for lab in labs]
        return index, names

    def update_var(self, node_vars: dict[str, Any] | None = None,
                   edge_vars: list[tuple] | None = None) -> CircuitTemplate:
        """Change variable values in place.

        ``node_vars`` maps ``'node/op/var'`` paths (``all`` wildcards allowed) to a value, or to
        an iterable with one value per matched node. ``edge_vars`` is a list of
        ``(source, target, {attr: value})`` (or with an index as third element before the dict).
        Returns the circuit.
        """
        values = self.variable_paths()
        for path, val in (node_vars or {}).items():
            check_value(path, val)
            found = match_labels(path, values, context=f"circuit '{self.path}'")
            many = len(found) > 1
            arr = np.asarray(val) if not isinstance(val, str) else None
            if many and arr is not None and arr.ndim == 1 and arr.size == len(found) and all(
                    np.ndim(values[k]) == 0 for k in found):
                for k, v in zip(found, arr.tolist(), strict=True):
                    self._values[k] = v
                    self._forget_state(k)
                continue
            for k in found:
                if arr is not None and np.shape(values[k]) != arr.shape and arr.size != 1:
                    what = (f"{len(found)} matched variables" if many else
                            f"variable '{k}' of shape {np.shape(values[k])}")
                    raise ValueError(
                        f"update_var: {arr.size} values for '{path}' do not fit {what}; pass "
                        "one value, one per matched variable, or an array of the variable's "
                        "shape")
                self._values[k] = val
                self._forget_state(k)
        for spec in edge_vars or []:
            src, tgt, *rest = spec
            if not rest or not isinstance(rest[-1], dict):
                raise TemplateError(f"edge_vars entry {spec!r}: use (source, target, "
                                    "{'weight': ...}) or (source, target, index, {...})")
            self._update_edge(src, tgt, rest[0] if len(rest) == 2 else None, rest[-1])
        self._run_cache.clear()
        return self

    def _edge_hits(self, src: str, tgt: str) -> list[tuple[int, int]]:
        """Edges src -> tgt in ``edges`` order: ``(-1, list index)`` or ``(matrix, entry)``."""
        hits = [(-1, i) for i, e in enumerate(self._edge_list) if e[0] == src and e[1] == tgt]
        for m, mat in enumerate(self._matrices):
            hits += [(m, int(k)) for k in mat.find(src, tgt)]
        return hits

    def _update_edge(self, src: str, tgt: str, idx: int | None, changes: dict) -> None:
        """Change attributes of the edge(s) src -> tgt, here or in a sub-circuit.

        Matrix edges (``add_edges_from_matrix``) stay compact for weight/delay changes.
        """
        hits = self._edge_hits(src, tgt)
        if any(m >= 0 for m, _ in hits) and not set(changes) <= UPDATABLE_ATTRS:
            self.edges  # noqa: B018 - other attributes need one edge tuple each: expand
            hits = self._edge_hits(src, tgt)
        if not hits:
            head_s, _, rest_s = src.partition("/")
            head_t, _, rest_t = tgt.partition("/")
            if head_s == head_t and head_s in self.circuits:
                self.circuits[head_s] = copy.deepcopy(self.circuits[head_s])
                self.circuits[head_s]._update_edge(rest_s, rest_t, idx, changes)
                return
            raise VariableNotFoundError(f"circuit '{self.path}' has no edge {src} -> {tgt}")
        if idx is not None:
            if not -len(hits) <= idx < len(hits):
                raise IndexError(f"circuit '{self.path}' has {len(hits)} edge(s) {src} -> "
                                 f"{tgt}; index {idx} is out of range")
            hits = [hits[idx]]
        per_matrix: dict[int, list[int]] = {}
        for m, i in hits:
            if m < 0:
                s, t, tpl, attrs = self._edge_list[i]
                self._edge_list[i] = (s, t, tpl, {**attrs, **changes})
            else:
                per_matrix.setdefault(m, []).append(i)
        for m, entries in per_matrix.items():  # a changed copy: deep copies share matrices
            self._matrices[m] = self._matrices[m].updated(np.asarray(entries), changes)

    # -- simulation (implemented in pyrates_frontend.simulation) ---------------------------
    def run(self, simulation_time: float, step_size: float, inputs: dict[str, Any] | None = None,
            outputs: dict[str, str] | list[str] | None = None,
            sampling_step_size: float | None = None, cutoff: float | None = 0.0,
            solver: str = "euler", backend: str | None = None, vectorize: bool = True,
            verbose: bool = True, clear: bool = True, in_place: bool | None = True,
            **kwargs: Any) -> Any:
        """Simulate the circuit; returns a pandas DataFrame indexed by time.

        Parameters and defaults are those of PyRates 1.x. ``outputs`` maps column names to
        variable paths (``'pc/rpo_e_in/v'``; ``'all/op/r'`` gives one column per node).
        ``inputs`` maps input-variable paths to arrays with one row per step
        (``round(simulation_time / step_size)`` rows; shape ``(n,)`` or ``(n, 1)`` feeds every
        matched node, ``(n, k)`` one column per node). Rows are sampled every
        ``sampling_step_size`` (default ``step_size``) at ``t = 0, s, ..., T - s``, row 0 being
        the initial state; rows before ``cutoff`` are dropped. ``solver`` is one of the
        backend's solvers (NumPy: ``'euler'``, ``'heun'``, ``'rk4'``, ``'scipy'``); further
        keywords are the solver's options (``method``, ``rtol``, ``atol`` ... for ``'scipy'``),
        the backend's options (e.g. ``numba=False``), ``float_precision`` (``'float64'``,
        ``'float32'``, ``'complex64'``, ``'complex128'``), ``history`` (``'zero'``: delayed
        reads before ``t = 0`` give 0, as in 1.x; ``'initial'``: the initial value),
        ``file_name``/``func_name`` (name of the generated module/function; with
        ``clear=False`` the module is kept at ``file_name``) and ``progress``. Unknown
        keywords are errors. ``verbose`` prints progress. With ``in_place=True`` (default) the
        final state is stored in the circuit and becomes the initial state of the next run;
        with ``in_place=False`` the circuit is left as it was (PyRates 1.x: "allows to call
        run multiple times on the same CircuitTemplate").
        """
        from pyrates_frontend.simulation import run_circuit

        return run_circuit(self, simulation_time, step_size, inputs=inputs, outputs=outputs,
                           sampling_step_size=sampling_step_size, cutoff=cutoff, solver=solver,
                           backend=backend, vectorize=vectorize, verbose=verbose, clear=clear,
                           in_place=in_place, **kwargs)

    def get_run_func(self, func_name: str, step_size: float | None = None,
                     inputs: dict[str, Any] | None = None, backend: str | None = None,
                     vectorize: bool = True, verbose: bool = True, clear: bool = False,
                     in_place: bool = True,
                     **kwargs: Any) -> tuple[Any, tuple, tuple[str, ...], dict[str, Any]]:
        """Generate the vector field ``func(t, y, *params)`` of the circuit (PyRates 1.x API).

        Returns ``(func, args, arg_names, state_indices)``: the callable; its arguments,
        starting with ``t = 0`` and the current state ``y`` (so ``func(*args)`` evaluates the
        vector field); their names (``'t'``, ``'y'``, then frontend paths of the parameters);
        and for every state variable its index in ``y``. Keywords: ``solver``, ``adaptive``,
        ``float_precision``, ``file_name`` (write the module there; never over a file PyRates
        did not write), ``decorator``/``decorator_kwargs`` (applied to the function, e.g.
        numba's ``njit``), and the backend's options.
        """
        from pyrates_frontend.simulation import run_func

        return run_func(self, func_name, step_size=step_size, inputs=inputs, backend=backend,
                        vectorize=vectorize, verbose=verbose, clear=clear, in_place=in_place,
                        **kwargs)

    def get_jacobian_func(self, func_name: str, step_size: float | None = None,
                          inputs: dict[str, Any] | None = None, backend: str | None = None,
                          vectorize: bool = True, verbose: bool = True, clear: bool = False,
                          in_place: bool = True, sparse: bool = False,
                          **kwargs: Any) -> tuple[Any, tuple, tuple[str, ...], dict[str, Any]]:
        """Generate the Jacobian ``J(t, y, *params)`` of the vector field (PyRates 1.2 API).

        Returns ``(func, args, arg_names, state_indices)`` as :meth:`get_run_func`: ``func``
        returns the ``n x n`` matrix, or ``(J0, [J_tau1, ...])`` for delayed systems (``J_tauk``:
        derivative with respect to ``y(t - tau_k)``, coefficients at ``y(t - tau) = y(t)``);
        ``sparse=True``: ``scipy.sparse.csr_matrix`` matrices. Computed symbolically (sympy)
        from the compiled system; the backend must declare the ``jacobian`` capability.
        """
        from pyrates_frontend.jacobian import jacobian_func

        return jacobian_func(self, func_name, step_size=step_size, inputs=inputs,
                             backend=backend, vectorize=vectorize, verbose=verbose, clear=clear,
                             in_place=in_place, sparse=sparse, **kwargs)

    def to_yaml(self, path: str | Path, template_name: str | None = None,
                overwrite: bool = False) -> Path:
        """Save the circuit (with all its templates and current values) as a YAML file."""
        from pyrates_frontend.yaml_writer import write_circuit

        return write_circuit(self, Path(path), template_name or self.name, overwrite=overwrite)

    def clear(self) -> None:
        """Drop compiled models and generated files kept for this circuit, and the state
        remembered from its runs (the next run starts from the template's values again).
        """
        self._run_cache.clear()
        self._state, self._carry = {}, {}

    def _forget_state(self, key: str) -> None:
        getattr(self, "_state", {}).pop(key, None)
        getattr(self, "_carry", {}).pop(key, None)

    def __deepcopy__(self, memo: dict) -> CircuitTemplate:
        new = copy.copy(self)
        memo[id(self)] = new
        new.nodes = dict(self.nodes)
        new.circuits = {k: copy.deepcopy(v, memo) for k, v in self.circuits.items()}
        new._edge_list = [(s, t, tpl, dict(a)) for s, t, tpl, a in self._edge_list]
        new._matrices = list(self._matrices)
        new._values = copy.deepcopy(self._values, memo)
        new._run_cache = {}
        new._state = dict(getattr(self, "_state", {}))
        new._carry = dict(getattr(self, "_carry", {}))
        return new


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


register_template_class(CircuitTemplate)
