"""Running the generated driver in GNU Octave (``octave-cli``), one process per simulation.

The request goes to Octave as a MAT file (``scipy.io.savemat``), the results come back as one
(``save -mat7-binary``, read with ``scipy.io.loadmat``); both live in a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy import io as sio

from pyrates_core.errors import SolverError

__all__ = ["OCTAVE_ENV", "evaluate_field", "find_octave", "run_driver", "struct_fields"]

OCTAVE_ENV = "PYRATES_OCTAVE"
"""Environment variable naming the Octave executable (default: ``octave-cli`` on the PATH)."""

_NOISE = "ignoring const execution_exception& while preparing to exit"


def find_octave() -> str | None:
    """Path of the Octave executable, or None if there is none."""
    exe = os.environ.get(OCTAVE_ENV)
    if exe:
        return shutil.which(exe) or (exe if Path(exe).is_file() else None)
    return shutil.which("octave-cli") or shutil.which("octave")


def _clean(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if _NOISE not in line).strip()


def run_driver(model_dir: Path, func: str, job: dict[str, Any], timeout: float | None = None
               ) -> dict[str, Any]:
    """Call ``<func>_run(T, dt, solver, opts)`` in Octave; return the loaded result MAT file."""
    exe = find_octave()
    if exe is None:
        raise SolverError("the matlab backend runs simulations with GNU Octave, but no "
                          "'octave-cli' was found on the PATH; install Octave (Debian: apt-get "
                          f"install octave) or set {OCTAVE_ENV}")
    with tempfile.TemporaryDirectory(prefix="pyrates_octave_") as tmp:
        tmpdir = Path(tmp)
        sio.savemat(tmpdir / "job.mat", job, oned_as="column")
        folder = str(Path(model_dir).resolve()).replace("'", "''")
        script = (f"addpath('{folder}'); S = load('job.mat'); "
                  f"[times, Y, yT, A, status] = {func}_run(S.T, S.dt, S.solver, S.opts); "
                  "save('-mat7-binary', 'out.mat', 'times', 'Y', 'yT', 'A', 'status');")
        try:
            proc = subprocess.run([exe, "--norc", "--quiet", "--no-history", "--eval", script],
                                  cwd=tmpdir, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as exc:
            raise SolverError(f"Octave did not finish the simulation within {timeout} s") from exc
        out = tmpdir / "out.mat"
        if proc.returncode != 0 or not out.exists():
            message = _clean(proc.stderr) or _clean(proc.stdout) or f"exit code {proc.returncode}"
            raise SolverError(f"Octave failed to run {func}_run: {message}")
        data = sio.loadmat(out, squeeze_me=False, struct_as_record=False)
    return data


def struct_fields(value: Any) -> dict[str, np.ndarray]:
    """Fields of a struct read by ``loadmat`` (empty struct: empty dict)."""
    if isinstance(value, np.ndarray):
        if value.size == 0:
            return {}
        value = value.flat[0]
    names = getattr(value, "_fieldnames", None) or []
    return {n: np.asarray(getattr(value, n)) for n in names}


def evaluate_field(model_dir: Path, func: str, t: float, y: np.ndarray,
                   params: dict[str, np.ndarray]) -> np.ndarray:
    """One evaluation of ``<func>(t, y, p)`` in Octave, ``p`` from ``<func>_params(params)``."""
    exe = find_octave()
    if exe is None:
        raise SolverError("evaluating the matlab vector field needs GNU Octave ('octave-cli'), "
                          "which was not found")
    with tempfile.TemporaryDirectory(prefix="pyrates_octave_") as tmp:
        tmpdir = Path(tmp)
        job: dict[str, Any] = {"t": t, "y": y}
        if params:
            job["over"] = params
        sio.savemat(tmpdir / "job.mat", job, oned_as="column")
        folder = str(Path(model_dir).resolve()).replace("'", "''")
        over = "S.over" if params else "struct()"
        script = (f"addpath('{folder}'); S = load('job.mat'); p = {func}_params({over}); "
                  f"dy = {func}(S.t, S.y, p); save('-mat7-binary', 'out.mat', 'dy');")
        proc = subprocess.run([exe, "--norc", "--quiet", "--no-history", "--eval", script],
                              cwd=tmpdir, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not (tmpdir / "out.mat").exists():
            raise SolverError(f"Octave failed to evaluate {func}: {_clean(proc.stderr)}")
        return np.asarray(sio.loadmat(tmpdir / "out.mat")["dy"]).ravel()
