"""Optional numba JIT: availability, the default choice, and the error when it is missing.

numba is not a dependency of the backend; it is imported lazily (by the generated module).
Pass ``extra={'numba': True}`` or ``False`` to force the choice. Reference figures (W1,
``benchmarks/run_all.py``, 80 delayed Wilson-Cowan nodes, 100,000 Euler steps, 2-core
machine): NumPy runs in about 2.7 s; numba compiles in about 2.5 s (once per model, 0.1-0.4 s
from the disk cache) and then runs in about 0.5 s.

Automatic choice (:func:`choose_numba`): the compiled path is taken when its machine code is
cached (this process or the disk cache), or when the expected pure-NumPy run time of this run
plus what earlier NumPy runs of the same structure took in this process exceeds
:data:`COMPILE_SECONDS` (a rent-or-buy rule: repeated short runs of one model end up
compiled). The expected run time comes from a probe: the generated NumPy module is executed
in memory (no file) and its stepping loop timed for a few dozen steps; that time per step
times the step count is the estimate.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from pyrates_core.errors import PyRatesError

__all__ = [
    "COMPILE_SECONDS",
    "NUMBA_DEFAULT",
    "NumbaNotInstalledError",
    "choose_numba",
    "numba_available",
    "use_numba",
]

NUMBA_DEFAULT = True
"""Allow numba when ``extra['numba']`` is not given and numba is importable (see
:func:`use_numba` for when it is actually chosen)."""

AUTO_MIN_STEPS = 200_000
"""With ``numba`` unset, JIT is chosen from this many steps on. Measured break-even points
(``benchmarks/bench_foundation.py``, ``bench_w1.py``; one-off compile 1.7-3 s): Jansen-Rit
~125,000 steps (24 vs 0.3 microseconds per step), W1 ~90,000 steps (29 vs 6), 100 coupled QIF
populations ~450,000 steps (10.7 vs 6.4)."""


class NumbaNotInstalledError(PyRatesError, ImportError):
    """numba was requested but is not installed."""


def numba_available() -> bool:
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


COMPILE_SECONDS = 2.5
"""Expected one-off cost of a cold numba compile (W1 and Jansen-Rit: 1.7-3 s on the 2-core
development machine, ``benchmarks/run_all.py``)."""

EVALS_PER_STEP = {"euler": 1, "heun": 2, "rk4": 4}
"""Vector-field evaluations per step of the fixed-step solvers."""


def choose_numba(extra: dict[str, Any], n_steps: int | None,
                 cached: Callable[[], bool], estimate: Callable[[], float] | None = None,
                 spent: Callable[[], float] = lambda: 0.0) -> tuple[bool, str]:
    """Decide whether to JIT and say why (the reason goes into the run stats).

    An explicit ``extra['numba']`` wins. Otherwise numba is used when it is installed and the
    compiled model is already cached (``cached()``: in memory or on disk, so compiling costs
    nothing), or when ``estimate()`` (expected NumPy run time in s) plus ``spent()`` (NumPy
    run time of earlier runs of the same model) exceeds :data:`COMPILE_SECONDS`. Without an
    estimate (or if the probe fails) runs of at least :data:`AUTO_MIN_STEPS` steps compile.
    """
    if "numba" in extra and extra["numba"] != "auto":
        return use_numba(extra, n_steps), "forced by numba=" + str(bool(extra["numba"]))
    if not (NUMBA_DEFAULT and numba_available()):
        return False, "numba is not installed"
    if n_steps is None:
        return False, "no step count (vector field only)"
    if cached():
        return True, "compiled model cached (memory or disk)"
    cost = None
    if estimate is not None:
        try:
            cost = float(estimate())
        except Exception as exc:  # noqa: BLE001 - any failure falls back to the step rule
            why = f"probe failed ({type(exc).__name__}); "
        else:
            before = spent()
            total = cost + before
            what = (f"estimated NumPy run {cost:.2g} s" +
                    (f" + {before:.2g} s of earlier runs" if before else ""))
            if total > COMPILE_SECONDS:
                return True, f"{what} > compile {COMPILE_SECONDS:g} s"
            return False, f"{what} <= compile {COMPILE_SECONDS:g} s"
    else:
        why = ""
    if n_steps >= AUTO_MIN_STEPS:
        return True, f"{why}{n_steps} steps >= {AUTO_MIN_STEPS} (compiling pays)"
    return False, f"{why}{n_steps} steps < {AUTO_MIN_STEPS} and no compiled model cached"


def use_numba(extra: dict[str, Any], n_steps: int | None = None) -> bool:
    """Decide whether to JIT, from ``CodegenOptions.extra``; error if asked for but missing.

    Without an explicit ``extra['numba']`` (or with ``'auto'``), numba is used when it is
    importable and the run has at least :data:`AUTO_MIN_STEPS` steps. Without a step count
    (e.g. ``get_run_func``) the pure NumPy code is generated.
    """
    if "numba" not in extra or extra["numba"] == "auto":
        if not (NUMBA_DEFAULT and numba_available()) or n_steps is None:
            return False
        return n_steps >= AUTO_MIN_STEPS
    if not extra["numba"]:
        return False
    if not numba_available():
        raise NumbaNotInstalledError(
            "numba JIT was requested (extra={'numba': True}) but numba is not installed; "
            "install it with: pip install pyrates-backend-numpy[numba]"
        )
    return True
