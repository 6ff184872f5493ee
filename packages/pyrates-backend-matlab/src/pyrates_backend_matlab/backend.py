"""The :class:`MatlabBackend`: MATLAB/Octave code generation, simulation through GNU Octave."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from pyrates_backend_matlab.codegen import Layout, generate_files
from pyrates_backend_matlab.jacobian import generate_jacobian, load_jacobian
from pyrates_backend_matlab.octave import evaluate_field, find_octave, run_driver, struct_fields
from pyrates_backend_matlab.printer import SUPPORTED_FUNCTIONS
from pyrates_core import external, runtime
from pyrates_core.backend import (
    CodegenOptions,
    GeneratedCode,
    LoadedModel,
    OptionSpec,
    SimulationRequest,
    SimulationResult,
    SolverSpec,
)
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.generated_files import write_generated
from pyrates_core.system import SystemIR

__all__ = ["MatlabBackend"]

FIXED = ("euler", "heun", "rk4")
ADAPTIVE = ("ode45", "ode23", "dde23")
_TOL = (OptionSpec("rtol", (float,), 1e-6, "relative tolerance"),
        OptionSpec("atol", (float,), 1e-9, "absolute tolerance"))


class MatlabBackend:
    """PyRates backend writing MATLAB/Octave function files; runs them with GNU Octave.

    ``generate`` gives the vector field ``F.m`` (``GeneratedCode.source``) and, in
    ``GeneratedCode.files``, ``F_params.m`` and the driver ``F_run.m``. ``integrate`` runs the
    driver in one ``octave-cli`` process per simulation.
    """

    name = "matlab"
    solvers: frozenset[str] = frozenset(FIXED + ADAPTIVE)
    functions: frozenset[str] = SUPPORTED_FUNCTIONS
    file_suffix = ".m"
    solver_specs: tuple[SolverSpec, ...] = (
        SolverSpec("euler", adaptive=False, order=1, doc="explicit Euler (generated code)"),
        SolverSpec("heun", adaptive=False, order=2, doc="Heun (generated code)"),
        SolverSpec("rk4", adaptive=False, order=4, doc="classical Runge-Kutta (generated code)"),
        SolverSpec("ode45", adaptive=True, options=_TOL, doc="MATLAB/Octave ode45 (no delays)"),
        SolverSpec("ode23", adaptive=True, options=_TOL, doc="MATLAB/Octave ode23 (no delays)"),
        SolverSpec("dde23", adaptive=True, options=_TOL,
                   doc="MATLAB dde23 for delayed models (generated; GNU Octave has no dde23)"),
    )
    option_specs: tuple[OptionSpec, ...] = (
        OptionSpec("octave_timeout", (float,), None, "seconds an Octave run may take"),
    )

    @property
    def capabilities(self) -> frozenset[str]:
        """Delays and adaptive solvers; ``execute`` where GNU Octave is installed."""
        caps = {"delays", "distributed_delays", "adaptive", "complex", "jacobian"}
        if find_octave() is not None:
            caps.add("execute")
        return frozenset(caps)

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the three function files for ``system`` (no file-system access)."""
        if options.target == "jacobian":
            return generate_jacobian(system, options)
        external.check_codegen(self.name, options, self.option_specs)
        files, layout = generate_files(system, options.func_name)
        return external.split_main_file(self.name, self.file_suffix, system, options, files,
                                        layout)

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None
             ) -> LoadedModel:
        """Write the files below ``workdir`` (the vector field as ``file_name`` if given).

        MATLAB names a function after its file, so a ``file_name`` whose stem differs from
        the function name regenerates the files under that name.
        """
        if code.metadata.get("jacobian"):
            return load_jacobian(code, workdir, file_name)
        workdir = Path(workdir)
        if file_name is not None and Path(file_name).stem != code.func_name:
            files, layout = generate_files(code.system, Path(file_name).stem)
            code.metadata["layout"] = layout
            code.func_name = layout.func
            code.source = files.pop(f"{layout.func}.m")
            code.files = files
        path = write_generated(code, workdir / f"{code.func_name}{code.suffix}")
        return LoadedModel(code=code, path=path, func=OctaveVectorField(self, code, workdir),
                           args=external.default_values(code.system), handle=workdir)

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate with the generated driver in GNU Octave."""
        code: GeneratedCode = model.code
        system, layout = code.system, code.metadata["layout"]
        runtime.refuse_delay_overrides(system, request, self.name)  # delays are in the code
        job, n_steps, stride, series = _job(system, layout, request)
        start = time.perf_counter()
        timeout = code.options.extra.get("octave_timeout")
        data = run_driver(Path(model.handle), code.func_name, job, timeout)
        run_time = time.perf_counter() - start
        status = int(np.asarray(data["status"]).ravel()[0])
        dtype = system.value_dtype
        final = np.asarray(data["yT"], dtype=dtype).ravel()
        if status >= 0:
            raise runtime.divergence_error(system, final, status * request.step_size)
        times = np.asarray(data["times"], dtype=float).ravel()
        states = np.asarray(data["Y"], dtype=dtype).reshape(times.size, -1)
        assigned = struct_fields(data["A"])

        def assignment(sym: str) -> np.ndarray | None:
            return assigned[layout.locals[sym]].astype(dtype) if sym in layout.locals else None

        outputs = external.pick_outputs(system, request, states, stride, assignment, series)
        stats = {"run_time": run_time, "n_steps": n_steps, "octave": True}
        return SimulationResult(times, outputs, final, stats)


def _job(system: SystemIR, layout: Layout, request: SimulationRequest
         ) -> tuple[dict[str, Any], int, int, dict[str, np.ndarray]]:
    """The MAT-file job for ``request`` (checked), the step count, stride and input series."""
    solver = request.solver
    tolerances = external.check_request("matlab", MatlabBackend.solver_specs, request)
    if solver in ("ode45", "ode23") and layout.delayed:
        raise SolverError(f"the model has delays, which '{solver}' cannot handle: use solver "
                          "'dde23' (MATLAB only) or a fixed-step solver (euler, heun, rk4)")
    if solver == "dde23":
        if not layout.delayed:
            raise SolverError("solver 'dde23' is for delayed models; this one has no delays: "
                              "use 'ode45' or 'ode23'")
        raise SolverError("GNU Octave has no dde23: the dde23 driver is generated for MATLAB "
                          f"({layout.func}_run.m); here, use a fixed-step solver (euler, heun, "
                          "rk4)")
    dt, sim_t = request.step_size, request.simulation_time
    rows = runtime.sampling(request)
    n_steps, stride = rows.n_steps, rows.stride
    params = _overrides(system, layout, request.param_values)
    if solver in FIXED:
        _check_delays(system, layout, request.param_values, dt)
    series = _inputs(system, request.inputs, n_steps, system.value_dtype)
    opts: dict[str, Any] = {"dts": stride * dt, "history": request.history,
                            "record_assign": float(any(s in layout.locals and s not in
                                                       {x.name for x in system.states}
                                                       for s, _ in request.outputs.values()))}
    opts.update(tolerances)
    if params:
        opts["params"] = params
    if series:
        opts["inputs"] = {layout.fields[k]: v for k, v in series.items()}
    opts["y0"] = runtime.initial_state(system, request)
    job = {"T": float(sim_t), "dt": float(dt), "solver": solver, "opts": opts}
    return job, n_steps, stride, series


def _overrides(system: SystemIR, layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in system.params:
            raise VariableNotFoundError(f"parameter '{name}' is not part of the model; known "
                                        f"parameters: {', '.join(sorted(system.params))}")
        old = np.asarray(system.params[name].value)
        new = np.asarray(value)
        new = new.astype(complex if np.iscomplexobj(new) or old.dtype.kind == "c" else float)
        if new.size != old.size:
            raise SolverError(f"parameter '{name}' has shape {old.shape}, the override has "
                              f"shape {new.shape}")
        out[layout.fields[name]] = new.reshape(old.shape) if old.ndim else new.ravel()[0].item()
    return out


def _inputs(system: SystemIR, inputs: dict[str, np.ndarray], n_steps: int,
            dtype: np.dtype) -> dict[str, np.ndarray]:
    unknown = set(inputs) - set(system.inputs)
    if unknown:
        raise VariableNotFoundError(f"input(s) {sorted(unknown)} are not part of the model; "
                                    f"model inputs: {sorted(system.inputs)}")
    out = {}
    for name, data in inputs.items():
        size = system.inputs[name].size
        arr = np.asarray(data, dtype=dtype)
        if arr.ndim == 1 and size == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != size or arr.shape[0] < min(n_steps, 2):
            raise SolverError(f"input '{name}' must have shape ({n_steps}, {size}), got "
                              f"{np.shape(data)}")
        out[name] = arr
    return out


def _check_delays(system: SystemIR, layout: Layout, overrides: dict[str, Any],
                  dt: float) -> None:
    """Fixed-step solvers: every delay is 0 or at least one step."""
    checks: list[tuple[str, np.ndarray]] = []
    for k, b in enumerate(system.edges):
        if k in layout.bundle_table:
            checks.append((f"edge bundle '{b.name}'", b.delays[b.delays > 0]))
    for expr in layout.past_table:
        subs = {}
        for sym in expr.args[1].free_symbols:
            value = overrides.get(sym.name, system.params[sym.name].value)
            subs[sym] = float(np.min(np.asarray(value, dtype=float)))
        checks.append((f"Past term {expr}", np.atleast_1d(float(sp.N(expr.args[1].subs(subs))))))
    for what, delays in checks:
        if delays.size and delays.min() < dt * (1 - 1e-9):
            raise SolverError(f"{what} has a delay of {delays.min():g}, shorter than the step "
                              f"size {dt:g}; delays must be 0 or at least one step (reduce "
                              "step_size)")


class OctaveVectorField:
    """The generated vector field as a Python callable ``func(t, y, *args)``.

    Each call starts GNU Octave (about a second): meant for checks and exports, not for
    integration loops. Models with delays need the driver (their vector field reads delayed
    values).
    """

    def __init__(self, backend: MatlabBackend, code: GeneratedCode, folder: Path) -> None:
        self.backend = backend
        self.code = code
        self.folder = folder

    def __call__(self, t: float, y: np.ndarray, *args: Any) -> np.ndarray:
        """``dy/dt`` at ``(t, y)`` with parameter/input values ``args`` (``code.arg_names``)."""
        layout: Layout = self.code.metadata["layout"]
        if layout.delayed:
            raise SolverError(f"{self.code.func_name} reads delayed values; evaluate it through "
                              f"{self.code.func_name}_run (or CircuitTemplate.run)")
        names = self.code.arg_names
        if args and len(args) != len(names):
            raise TypeError(f"{self.code.func_name} takes {len(names)} extra arguments "
                            f"({', '.join(names)}), got {len(args)}")
        values = {}
        for name, value in zip(names, args):
            values[layout.fields[name]] = np.asarray(value)
        dtype = self.code.system.value_dtype
        return evaluate_field(self.folder, self.code.func_name, float(t),
                              np.asarray(y, dtype=dtype).ravel(), values).astype(dtype)
