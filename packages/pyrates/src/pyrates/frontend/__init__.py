"""Alias of PyRates 1.x's ``pyrates.frontend``: the template classes and ``save``."""

from pyrates.frontend import fileio, template
from pyrates_frontend import (
    CircuitTemplate,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    clear_frontend_caches,
    integrate,
    save,
)

__all__ = [
    "CircuitTemplate",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "clear_frontend_caches",
    "fileio",
    "integrate",
    "save",
    "template",
]
