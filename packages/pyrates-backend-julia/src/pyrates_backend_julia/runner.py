"""Running the generated driver in Julia (juliacall, else the ``julia`` executable).

Nothing here has been executed on the development machines, which have no Julia; see the
package README.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_backend_julia.literals import julia_literal
from pyrates_core.errors import SolverError

__all__ = ["JULIA_ENV", "find_julia", "job_text", "run_job"]

JULIA_ENV = "PYTHON_JULIAPKG_EXE"
"""Environment variable naming the Julia executable (as juliacall reads it)."""


def find_julia() -> str | None:
    """Path of a Julia executable (``$PYTHON_JULIAPKG_EXE`` or ``julia`` on the PATH)."""
    exe = os.environ.get(JULIA_ENV)
    if exe:
        return shutil.which(exe) or (exe if Path(exe).is_file() else None)
    return shutil.which("julia")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return _named_tuple(value)
    return julia_literal(value)


def _named_tuple(items: dict[str, Any], raw: dict[str, str] | None = None) -> str:
    """A NamedTuple literal; ``raw`` entries are Julia code used as they are."""
    parts = [f"{k} = {_value(v)}" for k, v in items.items()]
    parts += [f"{k} = {v}" for k, v in (raw or {}).items()]
    return f"({', '.join(parts)},)" if parts else "NamedTuple()"


def job_text(simulation_time: float, step_size: float, options: dict[str, Any],
             input_files: dict[str, str]) -> str:
    """Julia source of ``job.jl``: a NamedTuple ``(T, dt, options)``; inputs read from CSV."""
    reads = {field: f'readdlm(joinpath(@__DIR__, "{name}"), \',\', Float64)'
             for field, name in input_files.items()}
    raw = {"inputs": _named_tuple({}, reads)} if reads else None
    return (f"# job written by PyRates\n(T = {julia_literal(float(simulation_time))}, "
            f"dt = {julia_literal(float(step_size))}, options = {_named_tuple(options, raw)})\n")


def run_job(run_file: Path, func: str, job: str, inputs: dict[str, np.ndarray]
            ) -> dict[str, np.ndarray]:
    """Run ``<func>_main(jobdir)`` of the driver ``run_file`` and read the CSV results back."""
    exe = find_julia()
    if exe is None:
        raise SolverError(
            "the julia backend needs a Julia installation to run simulations, and none was "
            f"found (set {JULIA_ENV} or put 'julia' on the PATH; DifferentialEquations.jl must "
            f"be installed). The generated files are in {Path(run_file).parent}: the model "
            f"and its driver {Path(run_file).name}")
    run_file = Path(run_file).resolve()
    with tempfile.TemporaryDirectory(prefix="pyrates_julia_") as tmp:
        jobdir = Path(tmp)
        for name, arr in inputs.items():
            np.savetxt(jobdir / name, arr, delimiter=",", fmt="%.17g")
        (jobdir / "job.jl").write_text(job)
        try:
            from juliacall import Main as jl  # noqa: N813 - juliacall's own name
        except ImportError:
            jl = None
        if jl is not None:
            jl.include(str(run_file))
            jl.seval(f"{func}_main")(str(jobdir))
        else:
            code = f'include({_value(str(run_file))}); {func}_main({_value(str(jobdir))})'
            proc = subprocess.run([exe, "--startup-file=no", "-e", code], capture_output=True,
                                  text=True, check=False)
            if proc.returncode != 0:
                raise SolverError(f"Julia failed to run {func}_run: {proc.stderr.strip()}")
        out = {"times": np.loadtxt(jobdir / "times.csv", delimiter=",", ndmin=1),
               "states": np.loadtxt(jobdir / "states.csv", delimiter=",", ndmin=2),
               "final": np.loadtxt(jobdir / "final.csv", delimiter=",", ndmin=1)}
        for path in jobdir.glob("assign_*.csv"):
            out[path.stem] = np.loadtxt(path, delimiter=",", ndmin=2)
    return out
