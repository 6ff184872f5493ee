"""The compiled, vectorized system: the contract between the core and every backend.

A :class:`SystemIR` is what the frontend's circuit becomes after parsing, flattening and
vectorization. It is backend-neutral: plain numpy arrays for values and sympy expressions for
equations. A backend turns it into source code (see :mod:`pyrates_core.backend`).

Semantics that every backend must honour
----------------------------------------
* Every symbol (state variable, parameter, input, assignment) stands for an array of the size
  recorded in its spec (size 1 arrays are still arrays); scalar parameters (``shape == ()``)
  broadcast. Arithmetic in expressions is element-wise; operations that mix sizes use the
  custom functions of :mod:`pyrates_core.functions` (``Index``, ``EdgeSum``, ``ArraySum``...).
* The state vector ``y`` is the concatenation of all :attr:`SystemIR.states` in order; state
  ``s`` occupies ``y[s.start:s.start + s.size]``.
* To evaluate the vector field at ``(t, y)``: bind the state slices, bind the inputs at time
  ``t``, evaluate :attr:`SystemIR.assignments` in list order (they are topologically sorted),
  then evaluate :attr:`SystemIR.derivatives` (one expression per state, same order as states).
* ``EdgeSum(x, k)`` stands for the weighted sum of the edges of :attr:`SystemIR.edges` ``[k]``:
  ``out[i] = sum_{e: target[e] == i} weights[e] * x[source[e]](t - delays[e])``; delays are in
  the model's time unit and zero for undelayed edges.  ``x`` is always a symbol (a state or an
  assignment). Backends that keep a history of ``x`` for delayed edges record it at every
  accepted step.
* Edge delays are parameters: a bundle with delayed edges names a per-edge parameter of role
  ``'delay'`` (:attr:`EdgeBundle.delay_param`). Which edges are delayed is structure, fixed at
  compile time (:attr:`EdgeBundle.delays` ``> 0``); the delay *values* are read at run time
  from that parameter, with the request's overrides, through
  :func:`pyrates_core.runtime.edge_delays` (an override of a delayed edge to 0, or below
  one step for fixed-step solvers, is an error naming the parameter). Backends that do so
  declare the capability ``'delay_params'``.
* ``Past(x, tau)`` is the value of the symbol ``x`` at time ``t - tau``.
* Pre-history: a delayed read (delayed ``EdgeSum`` or ``Past``) of a time before ``t = 0``
  returns 0 (``SimulationRequest.history='zero'``, PyRates 1.x) or the initial value of the
  symbol (``'initial'``); see :data:`pyrates_core.backend.HISTORY_MODES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp

__all__ = [
    "PARAMETER_ROLES",
    "Assignment",
    "EdgeBundle",
    "InputSpec",
    "ParameterSpec",
    "StateSpec",
    "SystemIR",
]


@dataclass
class StateSpec:
    """A (vectorized) state variable: a slice of the state vector."""

    name: str
    """Backend identifier, unique within the system and a valid identifier in every backend."""
    start: int
    """Offset of the first element in the flat state vector."""
    init: np.ndarray
    """Initial value, 1-D array of length ``size``."""
    labels: list[str]
    """Frontend path of every element, e.g. ``'pc/rpo_e_in/PSP'`` or ``'net/n3/op/v'``."""
    internal: bool = False
    """Created by the core, not declared by the user (gamma-kernel chains, buffers): not an
    output by default and not remembered between runs."""

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(self.init.shape[0])

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol that stands for this state in expressions."""
        return sp.Symbol(self.name)


PARAMETER_ROLES: frozenset[str] = frozenset({"value", "weight", "delay", "index"})
"""What a parameter is: a model constant, edge weights, delays, or integer indices."""


@dataclass
class ParameterSpec:
    """A constant: a scalar (``shape ()``), a vector, or a matrix."""

    name: str
    value: np.ndarray
    labels: list[str] = field(default_factory=list)
    """Frontend paths of the elements (vectors) or of the variable (scalars); may be empty
    for parameters that the core creates itself (indices, edge weights)."""
    role: str = "value"
    """One of :data:`PARAMETER_ROLES`: ``'value'`` (a constant of the equations),
    ``'weight'`` (per-edge weights of a bundle), ``'delay'`` (delays, in the model's time
    unit), ``'index'`` (integer gather indices, never differentiated or batched)."""

    def __post_init__(self) -> None:
        if self.role not in PARAMETER_ROLES:
            raise ValueError(f"parameter '{self.name}': role {self.role!r} is not one of "
                             f"{', '.join(sorted(PARAMETER_ROLES))}")

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol that stands for this parameter in expressions."""
        return sp.Symbol(self.name)


@dataclass
class InputSpec:
    """A time-dependent input: the user passes an array of shape ``(n_steps, size)``."""

    name: str
    size: int
    labels: list[str]
    default: np.ndarray
    """Value used when the user passes no input (1-D, length ``size``)."""

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol that stands for this input in expressions."""
        return sp.Symbol(self.name)


@dataclass
class Assignment:
    """An algebraic variable: ``symbol = expr``, evaluated before the derivatives."""

    name: str
    expr: sp.Expr
    size: int
    labels: list[str]

    @property
    def symbol(self) -> sp.Symbol:
        """The sympy symbol that stands for this variable in expressions."""
        return sp.Symbol(self.name)


@dataclass
class EdgeBundle:
    """Edges from one source symbol into one target variable, as flat per-edge arrays."""

    name: str
    source: str
    """Name of the source symbol (a state or an assignment) of size ``n_source``."""
    n_source: int
    n_target: int
    source_idx: np.ndarray
    """int64 array, one entry per edge: index into the source vector."""
    target_idx: np.ndarray
    """int64 array, one entry per edge: index into the target vector."""
    weights: str
    """Name of the parameter (in :attr:`SystemIR.params`) holding the per-edge weights."""
    delays: np.ndarray
    """float array, one entry per edge, in the model's time unit (0 = no delay): the
    *structure* and the compiled default. Which edges are delayed (``delays > 0``) is fixed
    here; the delay *values* a run uses are those of :attr:`delay_param` (see
    :func:`pyrates_core.runtime.edge_delays`)."""
    delay_param: str | None = None
    """Name of the parameter (role ``'delay'``, one value per edge, 0 for the undelayed
    edges) holding the delays at run time, so that they can be overridden, batched and
    differentiated like the weights; ``None``: the delays are :attr:`delays`, fixed."""

    @property
    def n_edges(self) -> int:
        """Number of edges in the bundle."""
        return int(self.source_idx.shape[0])

    @property
    def delayed(self) -> bool:
        """Whether any edge of the bundle has a non-zero delay."""
        return bool(np.any(self.delays > 0))


@dataclass
class SystemIR:
    """A complete, vectorized dynamical system ready for code generation."""

    states: list[StateSpec]
    derivatives: list[sp.Expr]
    """One expression per state, same order as :attr:`states`."""
    params: dict[str, ParameterSpec]
    inputs: dict[str, InputSpec]
    assignments: list[Assignment]
    """Algebraic variables in evaluation order."""
    edges: list[EdgeBundle] = field(default_factory=list)
    dtype: str = "float64"
    """Real floating point type: ``'float32'`` or ``'float64'``; complex systems use the matching
    complex type (see :attr:`is_complex`)."""
    is_complex: bool = False
    time: sp.Symbol = field(default_factory=lambda: sp.Symbol("t"))

    # -- derived information -------------------------------------------------------------
    @property
    def n_state(self) -> int:
        """Length of the flat state vector."""
        return sum(s.size for s in self.states)

    def initial_state(self) -> np.ndarray:
        """The flat initial state vector."""
        if not self.states:
            return np.zeros(0, dtype=self.value_dtype)
        return np.concatenate([s.init for s in self.states]).astype(self.value_dtype)

    @property
    def value_dtype(self) -> np.dtype:
        """The numpy dtype of states and parameters."""
        if self.is_complex:
            return np.dtype("complex64" if self.dtype == "float32" else "complex128")
        return np.dtype(self.dtype)

    def state(self, name: str) -> StateSpec:
        """Look a state up by its backend name."""
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def symbol_sizes(self) -> dict[str, int]:
        """Size of every array-valued symbol (states, inputs, assignments)."""
        sizes = {s.name: s.size for s in self.states}
        sizes.update({i.name: i.size for i in self.inputs.values()})
        sizes.update({a.name: a.size for a in self.assignments})
        return sizes

    def delayed_symbols(self) -> dict[str, float]:
        """Symbols whose history a backend must keep, with the longest delay they need."""
        from pyrates_core.functions import Past

        need: dict[str, float] = {}
        for b in self.edges:
            if b.delayed:
                delays = b.delays if b.delay_param is None else np.real(
                    np.asarray(self.params[b.delay_param].value))
                need[b.source] = max(need.get(b.source, 0.0), float(np.max(delays)))
        exprs = list(self.derivatives) + [a.expr for a in self.assignments]
        for expr in exprs:
            for p in expr.atoms(Past):
                x, tau = p.args
                tau_val = _max_value(tau, self.params)
                need[str(x)] = max(need.get(str(x), 0.0), tau_val)
        return need

    def labels(self) -> dict[str, tuple[str, int]]:
        """Map every frontend element path to ``(symbol name, element index)``."""
        out: dict[str, tuple[str, int]] = {}
        for group in (self.states, self.assignments, list(self.inputs.values())):
            for spec in group:
                for i, lab in enumerate(spec.labels):
                    out.setdefault(lab, (spec.name, i))
        for p in self.params.values():
            if p.value.ndim <= 1:
                for i, lab in enumerate(p.labels):
                    out.setdefault(lab, (p.name, i if p.value.ndim == 1 else 0))
        return out


def _max_value(expr: sp.Expr, params: dict[str, ParameterSpec]) -> float:
    """Largest numeric value an expression made of numbers and parameters can take."""
    subs = {}
    for sym in expr.free_symbols:
        if sym.name not in params:
            raise ValueError(f"delay '{expr}' must be built from numbers and constants only")
        subs[sym] = float(np.max(np.real(params[sym.name].value)))
    return float(sp.N(expr.subs(subs)))
