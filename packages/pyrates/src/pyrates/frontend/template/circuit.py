"""Alias of PyRates 1.x's ``pyrates.frontend.template.circuit``."""

from pyrates_frontend import CircuitTemplate

__all__ = ["CircuitTemplate"]
