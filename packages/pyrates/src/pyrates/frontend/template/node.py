"""Alias of PyRates 1.x's ``pyrates.frontend.template.node``."""

from pyrates_frontend import NodeTemplate

__all__ = ["NodeTemplate"]
