"""Optional numba JIT: availability, the default choice, and the error when it is missing.

numba is not a dependency of the backend; it is imported lazily. When ``CodegenOptions.extra``
has no ``'numba'`` key, :data:`NUMBA_DEFAULT` decides: JIT is used whenever numba is
importable. The choice comes from the W1 benchmark (``benchmarks/bench_numpy_backend.py``):
compiling costs about 1-2 s once, the compiled fixed-step loop then runs 5-10x faster than
the NumPy loop, so simulations longer than a few seconds of wall time win, and short ones
lose little. Pass ``extra={'numba': False}`` for pure NumPy.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from pyrates_core.errors import PyRatesError

__all__ = ["NUMBA_DEFAULT", "NumbaNotInstalledError", "numba_available", "use_numba"]

NUMBA_DEFAULT = True
"""Use numba when ``extra['numba']`` is not given and numba is importable."""


class NumbaNotInstalledError(PyRatesError, ImportError):
    """numba was requested but is not installed."""


def numba_available() -> bool:
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def use_numba(extra: dict[str, Any]) -> bool:
    """Decide whether to JIT, from ``CodegenOptions.extra``; error if asked for but missing."""
    if "numba" not in extra:
        return NUMBA_DEFAULT and numba_available()
    if not extra["numba"]:
        return False
    if not numba_available():
        raise NumbaNotInstalledError(
            "numba JIT was requested (extra={'numba': True}) but numba is not installed; "
            "install it with: pip install pyrates-backend-numpy[numba]"
        )
    return True
