"""Alias of PyRates 1.x's ``pyrates.frontend.template.operator``."""

from pyrates_frontend import OperatorTemplate

__all__ = ["OperatorTemplate"]
