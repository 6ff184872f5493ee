"""Alias of PyRates 1.x's ``pyrates.utility``: simulation and cache helpers, grid searches."""

from pyrates_frontend import clear, clear_frontend_caches, integrate
from pyrates_sweep import grid_search

__all__ = ["clear", "clear_frontend_caches", "grid_search", "integrate"]
