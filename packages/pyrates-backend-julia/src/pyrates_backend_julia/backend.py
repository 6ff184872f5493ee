"""The :class:`JuliaBackend`: Julia source for DifferentialEquations.jl."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_backend_julia.codegen import Layout, generate_files
from pyrates_backend_julia.jacobian import generate_jacobian, load_jacobian
from pyrates_backend_julia.printer import SUPPORTED_FUNCTIONS
from pyrates_backend_julia.runner import find_julia, job_text, run_job
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
from pyrates_core.errors import SolverError
from pyrates_core.generated_files import write_generated
from pyrates_core.system import SystemIR

__all__ = ["JuliaBackend"]

FIXED = ("euler", "heun", "rk4")
ADAPTIVE = ("julia_ode", "julia_dde")
_ADAPTIVE_OPTIONS = (
    OptionSpec("method", (str,), "Tsit5", "DifferentialEquations.jl algorithm, e.g. Tsit5, "
               "Vern7, Rodas5 (wrapped in MethodOfSteps for delayed models)"),
    OptionSpec("rtol", (float,), 1e-6, "relative tolerance (reltol)"),
    OptionSpec("atol", (float,), 1e-9, "absolute tolerance (abstol)"),
)


class JuliaBackend:
    """PyRates backend writing Julia source for DifferentialEquations.jl.

    ``generate`` gives ``F.jl`` (``GeneratedCode.source``: parameters, the in-place vector
    field ``F!``, its DDE form for delayed models, the history function) and the driver
    ``F_run.jl`` (``GeneratedCode.files``). Simulations need a Julia installation
    (capability ``execute``); without one, ``integrate`` raises a clear error and ``load`` still
    writes the files.
    """

    name = "julia"
    solvers: frozenset[str] = frozenset(FIXED + ADAPTIVE)
    functions: frozenset[str] = SUPPORTED_FUNCTIONS
    file_suffix = ".jl"
    solver_specs: tuple[SolverSpec, ...] = (
        SolverSpec("euler", adaptive=False, order=1, doc="Euler() with the fixed step"),
        SolverSpec("heun", adaptive=False, order=2, doc="Heun() with the fixed step"),
        SolverSpec("rk4", adaptive=False, order=4, doc="RK4() with the fixed step"),
        SolverSpec("julia_ode", adaptive=True, options=_ADAPTIVE_OPTIONS,
                   doc="ODEProblem (DDEProblem for delayed models) with an adaptive algorithm"),
        SolverSpec("julia_dde", adaptive=True, options=_ADAPTIVE_OPTIONS,
                   doc="as julia_ode (the name of PyRates 1.x for delayed models)"),
    )
    option_specs: tuple[OptionSpec, ...] = ()

    @property
    def capabilities(self) -> frozenset[str]:
        """Delays and adaptive solvers; ``execute`` only where Julia is installed."""
        caps = {"delays", "distributed_delays", "adaptive", "jacobian"}
        if find_julia() is not None:
            caps.add("execute")
        return frozenset(caps)

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate ``F.jl`` and ``F_run.jl`` for ``system`` (no file-system access)."""
        if options.target == "jacobian":
            return generate_jacobian(system, options)
        external.check_codegen(self.name, options, self.option_specs)
        files, layout = generate_files(system, options.func_name)
        return external.split_main_file(self.name, self.file_suffix, system, options, files,
                                        layout)

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None
             ) -> LoadedModel:
        """Write the files below ``workdir`` (the main one as ``file_name`` if given)."""
        if code.metadata.get("jacobian"):
            return load_jacobian(code, workdir, file_name)
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        if file_name is not None and Path(file_name).stem != code.func_name:
            files, layout = generate_files(code.system, code.func_name)
            stem = Path(file_name).stem
            main = files.pop(f"{code.func_name}.jl")
            run = files.pop(f"{code.func_name}_run.jl").replace(
                f'"{code.func_name}.jl"', f'"{stem}.jl"').replace(
                f'include("{code.func_name}_run.jl")', f'include("{stem}_run.jl")')
            code.source, code.files = main, {f"{stem}_run.jl": run}
            path = workdir / f"{stem}{code.suffix}"
        else:
            path = workdir / f"{code.func_name}{code.suffix}"
        write_generated(code, path)
        return LoadedModel(code=code, path=path, func=JuliaVectorField(code, path),
                           args=external.default_values(code.system),
                           handle=workdir / next(iter(code.files)))

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate with the generated driver in Julia (needs a Julia installation)."""
        code: GeneratedCode = model.code
        system, layout = code.system, code.metadata["layout"]
        runtime.refuse_delay_overrides(system, request, self.name)  # delays are in the code
        job, inputs, stride = _job(system, layout, request)
        start = time.perf_counter()
        data = run_job(Path(model.handle), code.func_name, job, inputs)
        times = np.asarray(data["times"]).ravel()
        states = np.asarray(data["states"]).reshape(times.size, -1)
        outputs = external.pick_outputs(system, request, states, stride,
                                        lambda s: data.get(f"assign_{layout.locals.get(s)}"),
                                        request.inputs)
        stats = {"run_time": time.perf_counter() - start, "julia": True}
        return SimulationResult(times, outputs, np.asarray(data["final"]).ravel(), stats)


def _job(system: SystemIR, layout: Layout, request: SimulationRequest
         ) -> tuple[str, dict[str, np.ndarray], int]:
    """Text of ``job.jl``, input CSV arrays by file name, and the sampling stride."""
    checked = external.check_request("julia", JuliaBackend.solver_specs, request)
    dt = request.step_size
    plan = runtime.sampling(request)
    stride = plan.stride
    options: dict[str, Any] = {"solver": request.solver, "dts": stride * dt,
                               "history": request.history, "record": True, **checked}
    values = runtime.resolve_params(system, request.param_values)
    params = {layout.fields[name]: values[name] for name in request.param_values}
    if params:
        options["params"] = params
    if request.initial_state is not None:
        options["u0"] = runtime.initial_state(system, request).astype(float)
    files, arrays = {}, {}
    given = list(request.inputs)
    for name, arr in zip(given, runtime.input_series(system, request.inputs, plan.n_steps,
                                                     given)):
        files[layout.fields[name]] = f"input_{layout.fields[name]}.csv"
        arrays[files[layout.fields[name]]] = arr.astype(float)
    return job_text(request.simulation_time, dt, options, files), arrays, stride


class JuliaVectorField:
    """The generated ``F!`` as a Python callable ``func(t, y, *args)`` (needs Julia)."""

    def __init__(self, code: GeneratedCode, path: Path) -> None:
        self.code = code
        self.path = path

    def __call__(self, t: float, y: np.ndarray, *args: Any) -> np.ndarray:
        """``dy/dt`` at ``(t, y)`` through juliacall; a clear error where Julia is missing."""
        if find_julia() is None:
            raise SolverError(f"evaluating {self.code.func_name}! needs Julia (none found); the "
                              f"generated source is {self.path}")
        layout: Layout = self.code.metadata["layout"]
        if layout.delayed:
            raise SolverError(f"{self.code.func_name}! reads a history; run the model with "
                              f"{self.code.func_name}_run.jl instead")
        from juliacall import Main as jl  # noqa: N813 - juliacall's own name

        jl.include(str(self.path))
        names = self.code.arg_names
        over = {layout.fields[n]: np.asarray(v) for n, v in zip(names, args)
                if n in self.code.system.params}
        p = jl.seval(f"{self.code.func_name}_params")(**over)
        du = np.zeros(self.code.system.n_state)
        jl.seval(f"{self.code.func_name}!")(du, np.asarray(y, dtype=float), p, float(t))
        return du
