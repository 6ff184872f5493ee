"""PyRates MATLAB/Octave backend: function files for MATLAB, simulations run with GNU Octave."""

from pyrates_backend_matlab.backend import MatlabBackend

__all__ = ["MatlabBackend"]
__version__ = "0.1.0"
