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
    "Backend",
    "CodegenOptions",
    "GeneratedCode",
    "LoadedModel",
    "SimulationRequest",
    "SimulationResult",
]


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
    """Backend-specific options (e.g. ``{'numba': True}``)."""


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

    @property
    def n_steps(self) -> int:
        """Number of integration steps."""
        return int(round(self.simulation_time / self.step_size))


@dataclass
class SimulationResult:
    """Recorded trajectories."""

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

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the source code of the vector field (and helpers) for ``system``."""
        ...

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None) -> LoadedModel:
        """Write ``code`` below ``workdir`` (as ``file_name`` if given), compile and load it."""
        ...

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate the loaded model as requested."""
        ...
