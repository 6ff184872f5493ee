"""Alias of PyRates 1.x's ``pyrates.frontend.template.edge``."""

from pyrates_frontend import EdgeTemplate

__all__ = ["EdgeTemplate"]
