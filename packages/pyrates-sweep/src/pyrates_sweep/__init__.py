"""PyRates parameter sweeps: many parameter sets of one circuit through one compiled model."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from pyrates_sweep.analysis import dominant_frequency, heatmap, summarize
from pyrates_sweep.params import linearize_grid
from pyrates_sweep.prepare import SweepError
from pyrates_sweep.search import grid_search
from pyrates_sweep.storage import SweepRecord, load_sweep, save_sweep

try:
    __version__ = version("pyrates-sweep")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "SweepError",
    "SweepRecord",
    "__version__",
    "dominant_frequency",
    "grid_search",
    "heatmap",
    "linearize_grid",
    "load_sweep",
    "save_sweep",
    "summarize",
]
