"""PyRates Julia backend: source for DifferentialEquations.jl (ODEProblem / DDEProblem)."""

from pyrates_backend_julia.backend import JuliaBackend

__all__ = ["JuliaBackend"]
__version__ = "0.1.0"
