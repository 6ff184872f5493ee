"""The :class:`FortranBackend`: Fortran 90 code, compiled with f2py, fixed-step loops inside."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_backend_fortran.auto import AUTO_SUFFIX, CONSTANTS_MARK, generate_auto
from pyrates_backend_fortran.build import compile_module
from pyrates_backend_fortran.codegen import RHS, generate_simulation
from pyrates_backend_fortran.jacobian import generate_jacobian, load_jacobian
from pyrates_backend_fortran.printer import SUPPORTED_FUNCTIONS
from pyrates_backend_fortran.runner import FortranModel, integrate, pack_params
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
from pyrates_core.runtime import resolve_params
from pyrates_core.system import SystemIR

__all__ = ["FortranBackend"]


class FortranBackend:
    """PyRates backend that prints Fortran 90 and runs euler/heun/rk4 inside Fortran.

    Options (``CodegenOptions.extra``): ``build_dir`` (folder for the compiled module;
    default: the cache), ``auto`` (write AUTO-07p equation and constants files instead of
    a simulation module, see :mod:`pyrates_backend_fortran.auto`).
    """

    name = "fortran"
    solvers: frozenset[str] = frozenset({"euler", "heun", "rk4"})
    functions: frozenset[str] = SUPPORTED_FUNCTIONS
    file_suffix = ".f90"
    capabilities: frozenset[str] = frozenset(
        {"delays", "distributed_delays", "complex", "jit", "continuation", "execute",
         "jacobian", "delay_params"})
    solver_specs: tuple[SolverSpec, ...] = (
        SolverSpec("euler", adaptive=False, order=1, doc="explicit Euler, in Fortran"),
        SolverSpec("heun", adaptive=False, order=2, doc="Heun (explicit trapezoidal), in Fortran"),
        SolverSpec("rk4", adaptive=False, order=4, doc="classical Runge-Kutta, in Fortran"),
        SolverSpec("scipy", adaptive=True, export_only=True,
                   doc="get_run_func only: a vector field for an external adaptive solver "
                       "(scipy's solve_ivp, AUTO-07p via pycobi)"),
    )
    option_specs: tuple[OptionSpec, ...] = (
        OptionSpec("build_dir", (str, Path), None,
                   "folder that keeps the compiled module (default: the PyRates cache)"),
        OptionSpec("compiler", (str,), "f2py",
                   "how to build: 'f2py' (f2py wrapper, gfortran/gcc directly) or 'meson' "
                   "(f2py -c --backend meson)", ("f2py", "meson")),
        OptionSpec("auto", (bool,), False,
                   "write AUTO-07p files (func/stpnt/... and c.ivp) for continuation"),
        OptionSpec("auto_constants", (str, tuple, list), None,
                   "AUTO-07p constants files to write: 'ivp' (default), 'eq', 'lc'"),
    )

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the Fortran source for ``system`` (no file-system access)."""
        if options.target == "jacobian":
            return generate_jacobian(system, options)
        extra = self._check_options(options.extra)
        auto = bool(extra.get("auto")) or options.target == "continuation"
        if auto:
            source, files, table = generate_auto(system, options.func_name,
                                                 extra.get("auto_constants"))
            return GeneratedCode(self.name, source, AUTO_SUFFIX, options.func_name, [], system,
                                 options, metadata={"auto": True, "table": table}, files=files)
        if system.dtype == "float32":
            raise SolverError("the fortran backend computes in double precision only; use "
                              "float_precision='float64'")
        source, layout = generate_simulation(system)
        return GeneratedCode(self.name, source, self.file_suffix, options.func_name,
                             ["p", "ip", "u"], system, options,
                             metadata={"layout": layout, "build_dir": extra.get("build_dir"),
                                       "compiler": extra.get("compiler") or "f2py"})

    def _check_options(self, extra: dict[str, Any]) -> dict[str, Any]:
        """Backend options checked against :attr:`option_specs` (unknown ones are errors)."""
        specs = {o.name: o for o in self.option_specs}
        unknown = sorted(set(extra) - set(specs))
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(map(repr, unknown))} for the fortran "
                            f"backend; accepted: {', '.join(sorted(specs))}")
        return {k: specs[k].check(v, "the fortran backend") for k, v in extra.items()}

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None
             ) -> LoadedModel:
        """Write the source (and extra files) below ``workdir``; compile unless AUTO files."""
        if code.metadata.get("jacobian"):
            return load_jacobian(code, workdir, file_name)
        workdir = Path(workdir)
        name = Path(file_name).name if file_name else f"pyrates_{code.func_name}{code.suffix}"
        path = workdir / name
        if path.suffix != code.suffix:
            path = path.with_suffix(code.suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code.source)
        for fname, text in code.files.items():
            target = workdir / fname
            if target.exists() and CONSTANTS_MARK not in target.read_text(errors="ignore")[:200]:
                raise FileExistsError(f"{target} exists and was not written by PyRates; move it "
                                      "or write the model elsewhere (file_name='dir/name')")
            target.write_text(text)
        if code.metadata.get("auto"):
            code.metadata["compile_time"] = 0.0
            return LoadedModel(code=code, path=path, func=_no_call, args=(),
                               handle=code.metadata["table"])
        layout = code.metadata["layout"]
        start = time.perf_counter()
        module, _, hit = compile_module(code.source, code.metadata.get("build_dir"),
                                        code.metadata.get("compiler", "f2py"))
        code.metadata["compile_time"] = time.perf_counter() - start
        code.metadata["cache_hit"] = hit
        handle = FortranModel(module, layout, code.system)
        params = resolve_params(code.system, {})
        p, ip = pack_params(code.system, layout, params)
        u0 = np.zeros(max(1, layout.n_u), code.system.value_dtype)
        for iname, (off, size) in layout.inputs.items():
            u0[off:off + size] = code.system.inputs[iname].default
        func = _rhs_function(module, code.system) if hasattr(module, RHS) else _no_rhs
        return LoadedModel(code=code, path=path, func=func, args=(p, ip, u0), handle=handle)

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate ``model`` with euler, heun or rk4 inside Fortran."""
        if not isinstance(model.handle, FortranModel):
            raise SolverError("this model was generated as AUTO-07p files (auto=True) and "
                              "cannot be simulated; use pyrates_backend_fortran.continuation")
        result = integrate(model.handle, request)
        result.stats["compile_time"] = model.code.metadata.get("compile_time", 0.0)
        result.stats["cache_hit"] = model.code.metadata.get("cache_hit", False)
        return result


def _rhs_function(module: Any, system: SystemIR) -> Any:
    rhs = getattr(module, RHS)
    dtype = system.value_dtype

    def vector_field(t: float, y: np.ndarray, p: np.ndarray, ip: np.ndarray,
                     u: np.ndarray) -> np.ndarray:
        """``dy/dt`` at ``(t, y)`` for packed parameters ``p``, ``ip`` and inputs ``u``."""
        return rhs(t, np.asarray(y, dtype), p, ip, u)

    return vector_field


def _no_rhs(*args: Any) -> Any:
    """Placeholder for delayed systems (their vector field needs the integrator's history)."""
    raise NotImplementedError("the vector field of a delayed system needs the history of the "
                              "integrator; simulate it with run(..., backend='fortran')")


def _no_call(*args: Any) -> Any:
    """Placeholder: AUTO-07p files are not callable from Python."""
    raise NotImplementedError("auto=True writes AUTO-07p files; run them with "
                              "pyrates_backend_fortran.continuation or pycobi")
