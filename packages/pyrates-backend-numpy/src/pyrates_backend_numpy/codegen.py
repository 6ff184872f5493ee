"""Source generation: turn a :class:`~pyrates_core.system.SystemIR` into a Python module.

The module imports only numpy (and numba's ``njit`` when JIT is on) and defines

* ``<func_name>(t, y, *args)``: the vector field, one line per state slice, assignment and
  derivative; symbols are arrays, so the code does not grow with the number of nodes;
* ``observe_assignments(t, y, *args)``: the algebraic variables, for recording and history;
* ``run_fixed_step(...)``: the whole fixed-step loop (euler, heun, rk4) with delay buffers and
  output recording; compiled as a whole by numba when JIT is on.

The ``args`` are, in this order: parameters (scalars as Python numbers), the current value of
every input, arrays of the undelayed edges (``<bundle>_W`` dense matrix, or ``<bundle>_src``,
``<bundle>_tgt``, ``<bundle>_w``), the history windows (``hist_<symbol>``) and the delay tables
(``<bundle>_didx``, ``<bundle>_dw`` [, ``<bundle>_dtgt``], ``past_<symbol>_idx``...), see
:mod:`pyrates_backend_numpy.delays`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from pyrates_backend_numpy.delays import BundlePlan, DelayPlan, DelayTable, plan_delays
from pyrates_backend_numpy.printer import NumpyCodePrinter
from pyrates_backend_numpy.templates import HELPER_NAMES, NJIT, NUMBA_HELPERS, NUMPY_HELPERS
from pyrates_core.arg_layout import array_symbols, check_func_name, is_array, symbol_names
from pyrates_core.backend import CodegenOptions
from pyrates_core.errors import EquationError
from pyrates_core.identifiers import PYTHON_KEYWORDS, Identifiers
from pyrates_core.scalar_lowering import ScalarLowering, Statement, Temporary
from pyrates_core.system import SystemIR

__all__ = ["Layout", "generate_source"]

OBSERVE = "observe_assignments"
LOOP = "run_fixed_step"
RHS_INTO = "_rhs_into"
"""numba flavour: the vector field written into preallocated arrays (no allocation per step)."""
OBSERVE_INTO = "_observe_into"
"""numba flavour: the assignments computed in a preallocated array."""

RESERVED = frozenset({
    "t", "y", "dy", "np", "njit", "numba", "min", "max", "abs", "range", "len", OBSERVE, LOOP,
    RHS_INTO, OBSERVE_INTO, *HELPER_NAMES, "_n", "_t", "_y", "_i", "_p", "_a",
    "_k1", "_k2", "_k3", "_k4", "_ys", "_wk", "_wo", "_since_row", "_since_check", "_check",
    "_row", "_col",
    "_method", "_n0", "_n1", "_t0", "_dt", "_stride", "_rec", "_rec_y", "_rec_assign",
    *PYTHON_KEYWORDS,
})
"""Names of the generated module itself: no model identifier takes them."""


@dataclass
class Layout:
    """How the IR maps onto the generated code (kept in ``GeneratedCode.metadata['layout']``)."""

    names: dict[str, str]
    """IR symbol name -> identifier in the generated code."""
    params: list[str]
    inputs: list[str]
    plan: DelayPlan
    edge_args: list[tuple[BundlePlan, list[str]]] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    """Source symbols with a history window, in argument order."""
    table_args: list[tuple[DelayTable, list[str]]] = field(default_factory=list)
    arg_names: list[str] = field(default_factory=list)
    numba: bool = False
    history_sources: dict[str, int] = field(default_factory=dict)
    """History symbol that is an assignment -> its position in ``observe_assignments``."""
    loop_arg_names: list[str] = field(default_factory=list)
    """Arguments of ``run_fixed_step``."""

    def table_names(self, table: DelayTable) -> list[str]:
        """Argument names of a delay table."""
        for t, names in self.table_args:
            if t is table:
                return names
        raise KeyError(table.prefix)


def _build_layout(system: SystemIR, numba: bool) -> Layout:
    ident = Identifiers(RESERVED)
    names = symbol_names(system, ident)
    plan = plan_delays(system, ident)
    layout = Layout(names, list(system.params), list(system.inputs), plan, numba=numba)
    args = [names[p] for p in layout.params] + [names[i] for i in layout.inputs]
    for bp in plan.bundles:
        if bp.undelayed == "dense":
            edge_names = [f"{bp.prefix}_W"]
        elif bp.undelayed == "sparse":
            edge_names = [f"{bp.prefix}_src", f"{bp.prefix}_tgt", f"{bp.prefix}_w"]
        else:
            continue
        ident.used.update(edge_names)
        layout.edge_args.append((bp, edge_names))
        args += edge_names
    layout.history = list(plan.history)
    args += [plan.history[s] for s in layout.history]
    for table in plan.tables:
        suffixes = ("_didx", "_dw", "_dtgt") if table.bundle is not None else ("_idx", "_w", "_tgt")
        tnames = [table.prefix + s for s in suffixes[: 3 if table.flat else 2]]
        ident.used.update(tnames)
        layout.table_args.append((table, tnames))
        args += tnames
    layout.arg_names = args
    assignment_pos = {a.name: i for i, a in enumerate(system.assignments)}
    layout.history_sources = {s: assignment_pos[s] for s in layout.history if s in assignment_pos}
    return layout


class _Emitter:
    """Builds the text of the generated module."""

    def __init__(self, system: SystemIR, options: CodegenOptions, layout: Layout) -> None:
        self.system = system
        self.options = options
        self.layout = layout
        self.arrays = arrays = array_symbols(system)
        self.printer = NumpyCodePrinter(layout.names, lambda e: is_array(e, arrays),
                                        self._edge_sum, self._past)
        self.dtype = f"np.{system.value_dtype.name}"
        self.scalar = _ScalarWriter(self)
        self.observe_scratch = 1
        """Length of the ``_wo`` array of :data:`OBSERVE_INTO` (set by :meth:`observe`)."""

    # -- printing hooks --------------------------------------------------------------------
    def _edge_sum_terms(self, k: int) -> list[str]:
        """Code of the undelayed and delayed parts of bundle ``k`` (one or two calls)."""
        if not 0 <= k < len(self.system.edges):
            raise EquationError(f"EdgeSum refers to bundle {k}, the system has "
                                f"{len(self.system.edges)}")
        bundle = self.system.edges[k]
        plan = self.layout.plan.bundles[k]
        x = self.layout.names[bundle.source]
        terms = []
        for bp, names in self.layout.edge_args:
            if bp.index != k:
                continue
            if bp.undelayed == "dense":
                terms.append(f"_matvec({names[0]}, {x})")
            else:
                terms.append(f"_edge_sum_sparse({x}, {', '.join(names)}, {bundle.n_target})")
        if plan.table is not None:
            terms.append(self._table_call(plan.table))
        return terms

    def _edge_sum(self, k: int) -> str:
        terms = self._edge_sum_terms(k)
        return "(" + " + ".join(terms) + ")" if len(terms) > 1 else terms[0]

    def _past(self, expr: sp.Expr) -> str:
        return self._table_call(self.layout.plan.past[expr])

    def _table_call(self, table: DelayTable) -> str:
        window = self.layout.plan.history[table.symbol]
        names = self.layout.table_names(table)
        if table.flat:
            return f"_delayed_sum_flat({window}, {', '.join(names)}, {table.n_out})"
        return f"_delayed_sum({window}, {', '.join(names)})"

    # -- pieces ------------------------------------------------------------------------------
    def header(self) -> list[str]:
        numba = self.layout.numba
        return ['"""Model generated by PyRates (numpy backend); edit the model, not this file.',
                "", f"Vector field: {self.options.func_name}(t, y, *args) with args =",
                f"    ({', '.join(self.layout.arg_names)})", '"""', "", "import numpy as np",
                *(["from numba import njit"] if numba else []),
                (NUMBA_HELPERS if numba else NUMPY_HELPERS).replace("{DTYPE}", self.dtype)]

    def _decorator(self) -> list[str]:
        return [NJIT] if self.layout.numba else []

    def _state_lines(self) -> list[str]:
        return [f"    {self.layout.names[s.name]} = y[{s.start}:{s.start + s.size}]"
                for s in self.system.states]

    def _assignment_lines(self) -> list[str]:
        if self.layout.numba:
            return self.scalar.lines(self.scalar.lowering.assignments())
        lines = []
        for a in self.system.assignments:
            code = self.printer.doprint(a.expr)
            if not is_array(a.expr, self.arrays):
                code = f"np.full({a.size}, {code})"
            lines.append(f"    {self.layout.names[a.name]} = {code}")
        return lines

    def vector_field(self) -> list[str]:
        """``<func_name>(t, y, *args)``; numba: a wrapper around :data:`RHS_INTO`, which
        writes ``dy`` and the assignments into arrays the caller allocates once.
        """
        sig = ", ".join(["t", "y", *self.layout.arg_names])
        doc = '    """Right-hand side dy/dt of the model at time t."""'
        n = self.system.n_state
        if self.layout.numba:
            into = [*self._decorator(), f"def {RHS_INTO}(dy, _wk, {sig}):",
                    '    """Write dy/dt at time t into dy (_wk: room for the assignments)."""']
            low = self.scalar.lowering
            statements = [*low.assignments(),
                          *(st for k in range(len(self.system.states)) for st in low.derivative(k))]
            into += self._state_lines() + self.scalar.lines(statements, "dy", scratch="_wk")
            wrapper = [*self._decorator(), f"def {self.options.func_name}({sig}):", doc,
                       f"    dy = np.empty({n}, dtype={self.dtype})",
                       f"    {RHS_INTO}(dy, np.empty({self.scratch_size()}, dtype={self.dtype}),"
                       f" {sig})",
                       "    return dy"]
            return [*into, "", "", *wrapper]
        lines = [*self._decorator(), f"def {self.options.func_name}({sig}):", doc]
        lines += self._state_lines() + self._assignment_lines()
        lines.append(f"    dy = np.empty({n}, dtype={self.dtype})")
        for s, expr in zip(self.system.states, self.system.derivatives):
            lines.append(f"    dy[{s.start}:{s.start + s.size}] = {self.printer.doprint(expr)}")
        lines.append("    return dy")
        return lines

    def scratch_size(self) -> int:
        """Length of the ``_wk`` array of :data:`RHS_INTO` (assignments and element-loop
        temporaries, at least 1); known once :meth:`vector_field` is written.
        """
        return max(1, self.scalar.scratch_used)

    def observe(self) -> list[str]:
        """``observe_assignments(t, y, *args)``; numba: a wrapper around
        :data:`OBSERVE_INTO`, which computes them in an array the caller allocates once.
        """
        sig = ", ".join(["t", "y", *self.layout.arg_names])
        doc = '    """Algebraic variables (assignments) at time t, in evaluation order."""'
        values = [self.layout.names[a.name] for a in self.system.assignments]
        ret = f"    return ({', '.join(values)}{',' if len(values) == 1 else ''})"
        if self.layout.numba:
            into = [*self._decorator(), f"def {OBSERVE_INTO}(_wk, {sig}):",
                    '    """The assignments at time t as slices of _wk."""',
                    *self._state_lines(),
                    *self.scalar.lines(self.scalar.lowering.assignments(), scratch="_wk"), ret]
            self.observe_scratch = max(1, self.scalar.scratch_used)
            return [*into, "", "", *self._decorator(), f"def {OBSERVE}({sig}):", doc,
                    f"    return {OBSERVE_INTO}(np.empty({self.observe_scratch}, "
                    f"dtype={self.dtype}), {sig})"]
        return [*self._decorator(), f"def {OBSERVE}({sig}):", doc,
                *self._state_lines(), *self._assignment_lines(), ret]

    def loop(self) -> list[str]:
        """The fixed-step integration loop (see the module docstring of ``solvers``)."""
        lay, names, sys_ = self.layout, self.layout.names, self.system
        sizes = sys_.symbol_sizes()
        rec_inputs = [f"_rec_{names[i]}" for i in lay.inputs]
        rec_assign = [f"_rec_{names[a.name]}" for a in sys_.assignments]
        series = [f"{names[i]}_series" for i in lay.inputs]
        windows = [lay.plan.history[s] for s in lay.history]
        bufs = [f"{w}_buf" for w in windows]
        lens = [f"{w}_len" for w in windows]
        edge_names = [n for _, ns in lay.edge_args for n in ns]
        table_names = [n for _, ns in lay.table_args for n in ns]
        params = [names[p] for p in lay.params]
        loop_args = ["_method", "_y", "_n0", "_n1", "_t0", "_dt", "_stride", "_rec", "_rec_y",
                     *rec_inputs, *rec_assign, "_rec_assign", *params, *series, *edge_names,
                     *bufs, *lens, *table_names]
        lay.loop_arg_names = loop_args
        vf = self.options.func_name

        def call(func: str, t: str, y: str, stage: int) -> str:
            args = [*params, *(names[i] for i in lay.inputs), *edge_names, *windows,
                    *(f"{n}_s{stage}" for n in table_names)]
            return f"{func}({t}, {y}, {', '.join(args)})"

        def bind(pos: str, indent: str) -> list[str]:
            out = []
            for i, s in zip(lay.inputs, series):
                out.append(f"{indent}{names[i]} = {s}[min({pos}, {s}.shape[0] - 1)]")
            for s, w, ln in zip(lay.history, windows, lens):
                n = sizes[s]
                out.append(f"{indent}_p = ({pos}) % {ln}")
                out.append(f"{indent}{w} = {w}_buf[(_p + 1) * {n}:(_p + 1 + {ln}) * {n}]")
            return out

        observe_call = call(OBSERVE, "_t", "_y", 0)
        if lay.numba:  # into an array allocated once per call
            observe_call = call(OBSERVE_INTO, "_t", "_y", 0).replace("(", "(_wo, ", 1)
        i1, i2, i3 = "    ", "        ", "            "
        lines = [*self._decorator(), f"def {LOOP}({', '.join(loop_args)}):",
                 '    """Fixed-step integration from step _n0 to _n1 (0: euler, 1: heun, 2: rk4).',
                 "",
                 "    Row k of _rec is recorded before step k * _stride (row 0: initial state);",
                 "    updates the history buffers and _rec in place; returns (status, y), status",
                 '    being -1 or the step at which the state was found not finite (checked at',
                 '    least every 16 steps and at the end)."""',
                 f"{i1}_check = _stride * max(1, 16 // _stride)",
                 # counters instead of a division per step: steps since the last recorded
                 # row and since the last finiteness check
                 f"{i1}_since_row = _n0 % _stride",
                 f"{i1}_since_check = _n0 % _check"]
        for tn in table_names:  # per-stage delay tables, sliced once instead of every step
            lines += [f"{i1}{tn}_s{k} = {tn}[{k}]" for k in range(3)]
        if lay.numba:
            lines += [f"{i1}_y = _y.copy()  # updated in place below",
                      *(f"{i1}{k} = np.empty_like(_y)"
                        for k in ("_k1", "_k2", "_k3", "_k4", "_ys")),
                      f"{i1}_wk = np.empty({self.scratch_size()}, dtype={self.dtype})",
                      f"{i1}_wo = np.empty({self.observe_scratch}, dtype={self.dtype})"]
        lines += [f"{i1}for _n in range(_n0, _n1):",
                 f"{i2}_t = _t0 + _n * _dt"]
        lines += bind("_n", i2)
        lines += [f"{i2}if _since_row == 0 and _n // _stride < _rec.shape[0]:",
                  f"{i3}_row = _n // _stride",
                  f"{i3}_col = _record(_rec, _row, 0, _y, _rec_y)"]
        for i, r in zip(lay.inputs, rec_inputs):
            lines.append(f"{i3}_col = _record(_rec, _row, _col, {names[i]}, {r})")
        if sys_.assignments:
            lines += [f"{i3}if _rec_assign:",
                      f"{i3}    _a = {observe_call}"]
            for k, r in enumerate(rec_assign):
                lines.append(f"{i3}    _col = _record(_rec, _row, _col, _a[{k}], {r})")
        if lay.numba:  # stages written into arrays allocated once per call
            def rhs(k: str, t: str, y: str, stage: int) -> str:
                return call(RHS_INTO, t, y, stage).replace("(", f"({k}, _wk, ", 1)

            methods = [
                [rhs("_k1", "_t", "_y", 0), "_axpy(_y, _dt, _k1)"],
                [rhs("_k1", "_t", "_y", 0), "_step_to(_ys, _y, _dt, _k1)",
                 rhs("_k2", "_t + _dt", "_ys", 2), "_heun_in(_y, _dt, _k1, _k2)"],
                [rhs("_k1", "_t", "_y", 0), "_step_to(_ys, _y, _dt / 2, _k1)",
                 rhs("_k2", "_t + _dt / 2", "_ys", 1), "_step_to(_ys, _y, _dt / 2, _k2)",
                 rhs("_k3", "_t + _dt / 2", "_ys", 1), "_step_to(_ys, _y, _dt, _k3)",
                 rhs("_k4", "_t + _dt", "_ys", 2), "_rk4_in(_y, _dt, _k1, _k2, _k3, _k4)"]]
        else:
            methods = [
                [f"_k1 = {call(vf, '_t', '_y', 0)}", "_y = _step(_y, _dt, _k1)"],
                [f"_k1 = {call(vf, '_t', '_y', 0)}",
                 f"_k2 = {call(vf, '_t + _dt', '_step(_y, _dt, _k1)', 2)}",
                 "_y = _heun(_y, _dt, _k1, _k2)"],
                [f"_k1 = {call(vf, '_t', '_y', 0)}",
                 f"_k2 = {call(vf, '_t + _dt / 2', '_step(_y, _dt / 2, _k1)', 1)}",
                 f"_k3 = {call(vf, '_t + _dt / 2', '_step(_y, _dt / 2, _k2)', 1)}",
                 f"_k4 = {call(vf, '_t + _dt', '_step(_y, _dt, _k3)', 2)}",
                 "_y = _rk4(_y, _dt, _k1, _k2, _k3, _k4)"]]
        only = loop_solver(self.options, lay.numba)
        if only is not None:  # numba: compile the requested method only (_method is ignored)
            lines.append(f"{i2}# compiled for {only} only")
            lines += [i2 + line for line in methods[LOOP_METHODS[only]]]
        else:
            for head, body in zip(("if _method == 0:", "elif _method == 1:", "else:"), methods,
                                  strict=True):
                lines += [i2 + head, *(i3 + line for line in body)]
        lines.append(f"{i2}_t = _t0 + (_n + 1) * _dt")
        if lay.history:
            if lay.history_sources:
                lines += bind("_n + 1", i2)
                lines.append(f"{i2}_a = {observe_call}")
            for s, w, ln in zip(lay.history, windows, lens):
                n = sizes[s]
                if s in lay.history_sources:
                    value = f"_a[{lay.history_sources[s]}]"
                else:
                    st = sys_.state(s)
                    value = f"_y[{st.start}:{st.start + n}]"
                lines.append(f"{i2}_push({w}_buf, (_n + 1) % {ln}, {ln}, {n}, {value})")
        lines += [f"{i2}_since_row += 1",
                  f"{i2}if _since_row == _stride:",
                  f"{i3}_since_row = 0",
                  f"{i2}_since_check += 1",
                  f"{i2}if _since_check == _check:",
                  f"{i3}_since_check = 0",
                  f"{i3}if not _all_finite(_y):",
                  f"{i3}    return _n + 1, _y"]
        lines += [f"{i1}if not _all_finite(_y):",
                  f"{i1}    return _n1, _y",
                  f"{i1}return -1, _y"]
        return lines


class _ElementPrinter(NumpyCodePrinter):
    """Prints the element expressions of core element loops: ``Element(x, k)`` as ``x[k]``."""

    def _print_Element(self, expr: sp.Expr) -> str:
        x, k = expr.args
        return f"{self._print(x)}[{self._print(k)}]"


class _ScalarWriter:
    """numba flavour: the core's element loops (:mod:`pyrates_core.scalar_lowering`).

    Size-changing functions become temporaries ``_tmp<k>`` printed as NumPy code; the rest of
    an equation becomes one loop ``for _i in range(n): target[offset + _i] = ...``.
    """

    def __init__(self, emitter: _Emitter) -> None:
        self.emitter = emitter
        self.lowering = ScalarLowering(emitter.system, 0, "_tmp", sp.Symbol("_i", integer=True))
        self.printer = _ElementPrinter(emitter.layout.names, lambda e: False)
        self.scratch_used = 0
        """Elements of the scratch array the last ``lines(..., scratch=...)`` placed."""

    def lines(self, statements: list[Statement], target: str | None = None,
              scratch: str | None = None) -> list[str]:
        """Code of ``statements``; ``target`` replaces the name of derivative targets;
        ``scratch`` names an array whose consecutive slices hold the assignments and
        temporaries (instead of a new array for each; :attr:`scratch_used` elements).
        """
        em, out, offset, placed = self.emitter, [], 0, set()
        for st in statements:
            if isinstance(st, Temporary):
                if st.size is not None:
                    em.arrays.add(st.name)
                out.append(f"    {st.name} = {em.printer.doprint(st.expr)}")
                continue
            name = target if st.role == "derivative" and target else \
                em.layout.names.get(st.target, st.target)
            if st.role != "derivative" and scratch is not None:
                if name not in placed:
                    placed.add(name)
                    out.append(f"    {name} = {scratch}[{offset}:{offset + st.size}]")
                    offset += st.size
                    self.scratch_used = max(self.scratch_used, offset)
            elif st.role != "derivative":
                out.append(f"    {name} = np.empty({st.size}, dtype={em.dtype})")
            index = f"{st.offset} + _i" if st.offset else "_i"
            out += [f"    for _i in range({st.size}):",
                    f"        {name}[{index}] = {self.printer.doprint(st.expr)}"]
        return out


LOOP_METHODS = {"euler": 0, "heun": 1, "rk4": 2}
"""Fixed-step methods of the generated loop and their ``_method`` codes."""


def loop_solver(options: CodegenOptions, numba: bool) -> str | None:
    """The one fixed-step method a numba loop is generated for, or None (all methods).

    A numba loop holds only the method of ``options.solver`` (compiling the other two costs
    about a fifth of the compile time); the NumPy loop (nothing to compile) and adaptive
    requests keep all of them.
    """
    if numba and not options.adaptive and options.solver in LOOP_METHODS:
        return options.solver
    return None


def generate_source(system: SystemIR, options: CodegenOptions, numba: bool) -> tuple[str, Layout]:
    """Return the module source and its :class:`Layout` for ``system``."""
    if len(system.derivatives) != len(system.states):
        raise ValueError(f"the system has {len(system.states)} states but "
                         f"{len(system.derivatives)} derivatives")
    check_func_name(options.func_name, RESERVED - {"dy"})
    layout = _build_layout(system, numba)
    check_func_name(options.func_name, taken=[*layout.names.values(), *layout.arg_names])
    emit = _Emitter(system, options, layout)
    parts = [emit.header(), emit.vector_field(), emit.observe(), emit.loop()]
    text = "\n\n\n".join("\n".join(p).strip("\n") for p in parts) + "\n"
    return text, layout
