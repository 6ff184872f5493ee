"""PyRates NumPy backend: generated NumPy code, fixed-step and SciPy solvers, optional numba.

Entry point ``numpy`` in the group ``pyrates.backends``.
"""

from pyrates_backend_numpy.backend import NumpyBackend
from pyrates_backend_numpy.jit import NUMBA_DEFAULT, NumbaNotInstalledError, numba_available

__all__ = ["NUMBA_DEFAULT", "NumbaNotInstalledError", "NumpyBackend", "numba_available"]
__version__ = "0.1.0"
