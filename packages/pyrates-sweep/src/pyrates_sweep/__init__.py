"""PyRates parameter sweeps: many parameter sets of one circuit through one compiled model."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pyrates_sweep.params import linearize_grid
from pyrates_sweep.prepare import SweepError
from pyrates_sweep.search import grid_search

try:
    __version__ = version("pyrates-sweep")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.1.0"

__all__ = ["SweepError", "__version__", "grid_search", "linearize_grid"]
