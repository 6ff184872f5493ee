"""The backend protocol: what a code-generation backend must provide.

A backend is an object with the attributes and methods of :class:`Backend`. It is found
through the entry-point group ``pyrates.backends`` (see :mod:`pyrates_core.registry`): the entry
point's name is the backend name and its value a zero-argument factory (usually the class).

Life cycle of one simulation::

    code = backend.generate(system, CodegenOptions(...))   # source text, no side effects
    model = backend.load(code, workdir)                    # write/compile/import
    result = backend.integrate(model, SimulationRequest(...))

``generate`` must be deterministic and must not touch the file system; ``load`` writes only
below ``workdir`` (a temporary directory unless the user asked for a file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pyrates_core.system import SystemIR

__all__ = [
    "CAPABILITIES",
    "CODEGEN_TARGETS",
    "HISTORY_MODES",
    "Backend",
    "CodegenOptions",
    "OptionSpec",
    "SolverSpec",
    "GeneratedCode",
    "LoadedModel",
    "SimulationRequest",
    "SimulationResult",
]


CAPABILITIES: frozenset[str] = frozenset({
    "delays",        # discrete edge delays and past()
    "distributed_delays",  # gamma-kernel edges (lowered to ODE chains by the core; usually free)
    "adaptive",      # at least one adaptive step-size solver
    "complex",       # complex-valued systems
    "float32",       # float_precision='float32'
    "batch",         # SimulationRequest.batch_params: B parameter sets in one compiled model
    "batch_inputs",  # SimulationRequest.batch_inputs: one input series per set of a batch
    "delay_params",  # edge delays are run-time values: EdgeBundle.delay_param overrides (and
                     # batches) are honoured without regenerating code (runtime.edge_delays)
    "grad",          # results are differentiable w.r.t. parameters (autograd frameworks)
    "gpu",           # can run on a GPU (option 'device')
    "jit",           # compiles the time loop to machine code
    "jacobian",      # CodegenOptions.target='jacobian'
    "continuation",  # CodegenOptions.target='continuation' (e.g. AUTO-07p files)
    "execute",       # can run simulations on this machine (False: generate-only, e.g. no Julia)
})
"""Capability names a backend may declare in :attr:`Backend.capabilities`."""

CODEGEN_TARGETS: frozenset[str] = frozenset(
    {"simulate", "vector_field", "jacobian", "continuation"})
"""What :meth:`Backend.generate` is asked to produce (:attr:`CodegenOptions.target`)."""

HISTORY_MODES: frozenset[str] = frozenset({"zero", "initial"})
"""Pre-history of delayed reads (``t - tau < 0``): ``'zero'`` (PyRates 1.x default) reads 0,
``'initial'`` reads the initial value of the delayed variable."""


@dataclass(frozen=True)
class OptionSpec:
    """One keyword option a backend (or one of its solvers) accepts from ``run(**kwargs)``."""

    name: str
    types: tuple[type, ...]
    """Accepted Python types (checked with ``isinstance``; ``bool`` is not accepted for a
    numeric option unless listed)."""
    default: Any = None
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    """Allowed values, if the option is an enumeration."""

    def check(self, value: Any, where: str) -> Any:
        """Return ``value`` if valid for this option, else raise ``TypeError``/``ValueError``."""
        if value is None and self.default is None:
            return value
        numeric = any(t in (int, float) for t in self.types)
        if isinstance(value, bool) and bool not in self.types and numeric:
            raise TypeError(f"option '{self.name}' of {where} expects "
                            f"{' or '.join(t.__name__ for t in self.types)}, got {value!r}")
        if not isinstance(value, self.types):
            if float in self.types and isinstance(value, int):
                value = float(value)
            else:
                raise TypeError(f"option '{self.name}' of {where} expects "
                                f"{' or '.join(t.__name__ for t in self.types)}, got "
                                f"{type(value).__name__} {value!r}")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"option '{self.name}' of {where} must be one of "
                             f"{', '.join(map(repr, self.choices))}; got {value!r}")
        return value


@dataclass(frozen=True)
class SolverSpec:
    """A solver a backend offers."""

    name: str
    adaptive: bool
    """True for adaptive step-size solvers (they get ``rtol``/``atol``...)."""
    order: int | None = None
    """Global order of accuracy of fixed-step solvers (None if it varies, e.g. with ``method``)."""
    options: tuple[OptionSpec, ...] = ()
    """Solver options accepted from ``run(**kwargs)`` (e.g. ``method``, ``rtol``)."""
    doc: str = ""
    export_only: bool = False
    """True for a solver the backend does not run but exports a vector field for
    (``get_run_func(solver=...)``, e.g. Fortran's ``'scipy'`` for an external adaptive solver);
    such a solver is not in :attr:`Backend.solvers`."""


@dataclass
class CodegenOptions:
    """Options for :meth:`Backend.generate`."""

    func_name: str = "vector_field"
    """Name of the generated vector-field function."""
    solver: str = "euler"
    """The solver the code will be used with (some backends generate solver-specific code)."""
    adaptive: bool = False
    """Whether the vector field will be called by an adaptive step-size solver."""
    step_size: float | None = None
    """Fixed step size, if known at generation time (used for delay buffers)."""
    n_steps: int | None = None
    """Expected number of integration steps, if known (a hint, e.g. to decide on JIT)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Backend-specific options (e.g. ``{'numba': True}``), already checked against
    :attr:`Backend.option_specs`."""
    target: str = "simulate"
    """One of :data:`CODEGEN_TARGETS`."""


@dataclass
class GeneratedCode:
    """Source code produced by a backend."""

    backend: str
    source: str
    suffix: str
    """File-name suffix including the dot, e.g. ``'.py'``, ``'.f90'``, ``'.jl'``, ``'.m'``."""
    func_name: str
    arg_names: list[str]
    """Names of the vector field's arguments after ``t`` and ``y`` (parameters, inputs...)."""
    system: SystemIR
    options: CodegenOptions
    metadata: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    """Further generated files beside the main one, file name -> text (e.g. AUTO-07p's
    ``c.<name>`` constants file, Octave driver functions, a Julia driver script)."""


@dataclass
class LoadedModel:
    """A generated model made callable by :meth:`Backend.load`."""

    code: GeneratedCode
    path: Path | None
    """Where the source was written (None if it was executed from memory)."""
    func: Any
    """The callable vector field ``func(t, y, *args)`` returning ``dy/dt``."""
    args: tuple[Any, ...]
    """Default values of the extra arguments, in the order of ``code.arg_names``."""
    handle: Any = None
    """Backend-private data (compiled module, buffers...)."""


@dataclass
class SimulationRequest:
    """What to simulate and what to record."""

    simulation_time: float
    step_size: float
    solver: str = "euler"
    sampling_step_size: float | None = None
    """Recording interval; defaults to ``step_size``. Must be a multiple of ``step_size``."""
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    """Input name -> array of shape ``(n_steps, size)``, sampled at ``t_i = i * step_size``."""
    outputs: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    """Output key -> (symbol name, element indices) for states, assignments and inputs."""
    initial_state: np.ndarray | None = None
    """Flat state vector to start from (defaults to the system's initial state)."""
    solver_options: dict[str, Any] = field(default_factory=dict)
    """e.g. ``{'method': 'RK45', 'rtol': 1e-6, 'atol': 1e-9}`` for ``solver='scipy'``."""
    param_values: dict[str, np.ndarray] = field(default_factory=dict)
    """Parameter values overriding those of the system (same shapes)."""
    progress: bool = False
    """Show a progress bar (tqdm) where the backend can."""
    history: str = "zero"
    """Pre-history of delayed reads, one of :data:`HISTORY_MODES` (default: PyRates 1.x)."""
    batch_params: dict[str, np.ndarray] = field(default_factory=dict)
    """Batch axis: parameter name -> array of shape ``(B, *shape)``: B parameter sets that run
    in one compiled model (backends with the ``batch`` capability); outputs then get a leading
    batch axis ``(B, n_samples, n_indices)``."""
    batch_inputs: dict[str, np.ndarray] = field(default_factory=dict)
    """Batch axis of the inputs: input name -> array ``(B, n_steps[, size])``, one series per
    set (with or without ``batch_params``, same ``B``); backends with the ``batch_inputs``
    capability."""

    @property
    def n_steps(self) -> int:
        """Number of integration steps."""
        return int(round(self.simulation_time / self.step_size))


@dataclass
class SimulationResult:
    """Recorded trajectories.

    Row convention (PyRates 1.x): with sampling step ``s`` and ``n = round(T / s)``, the rows
    are ``t_k = k * s`` for ``k = 0 .. n - 1``; row 0 holds the initial state (and the
    assignments and inputs evaluated at ``t = 0``); :attr:`final_state` is the state at ``T``.
    """

    time: np.ndarray
    """Sample times, 1-D."""
    outputs: dict[str, np.ndarray]
    """Output key -> array of shape ``(n_samples, n_indices)``."""
    final_state: np.ndarray
    """Flat state vector at the end of the simulation."""
    stats: dict[str, Any] = field(default_factory=dict)
    """Backend figures such as ``{'run_time': 0.12, 'n_rhs_evals': 1000}``."""


@runtime_checkable
class Backend(Protocol):
    """What every backend provides."""

    name: str
    """Registry name, e.g. ``'numpy'``."""
    solvers: frozenset[str]
    """Solver names accepted by :meth:`integrate` (e.g. ``{'euler', 'heun', 'rk4', 'scipy'}``)."""
    functions: frozenset[str]
    """Names of the IR functions it can print (see :data:`pyrates_core.functions.IR_FUNCTIONS`)."""
    file_suffix: str
    capabilities: frozenset[str]
    """Subset of :data:`CAPABILITIES`; the frontend and the conformance kit rely on it."""
    solver_specs: tuple[SolverSpec, ...]
    """One entry per name in :attr:`solvers`, plus the export-only solvers
    (:attr:`SolverSpec.export_only`)."""
    option_specs: tuple[OptionSpec, ...]
    """Backend options accepted from ``run(**kwargs)`` (e.g. ``numba``, ``device``); unknown
    keywords are rejected by the frontend with a did-you-mean."""

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the source code of the vector field (and helpers) for ``system``."""
        ...

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None) -> LoadedModel:
        """Write ``code`` below ``workdir`` (as ``file_name`` if given), compile and load it."""
        ...

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate the loaded model as requested."""
        ...
