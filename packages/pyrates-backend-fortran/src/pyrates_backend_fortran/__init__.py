"""PyRates Fortran backend: Fortran 90 simulations via f2py and AUTO-07p continuation."""

from pyrates_backend_fortran.backend import FortranBackend

__all__ = ["FortranBackend"]
__version__ = "0.1.0"
