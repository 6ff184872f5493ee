"""PyRates parameter sweeps: many parameterizations of a circuit in one vectorized run."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pyrates_sweep.grid import build_grid_circuit, grid_search, linearize_grid

try:
    __version__ = version("pyrates-sweep")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.1.0"

__all__ = ["__version__", "build_grid_circuit", "grid_search", "linearize_grid"]
