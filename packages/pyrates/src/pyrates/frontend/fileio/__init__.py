"""Alias of PyRates 1.x's ``pyrates.frontend.fileio``: ``save``."""

from pyrates_frontend import save

__all__ = ["save"]
