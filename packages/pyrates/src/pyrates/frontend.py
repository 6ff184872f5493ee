"""Compatibility module: scripts written for PyRates 1.x do ``from pyrates.frontend import ...``.

The frontend now lives in the ``pyrates_frontend`` distribution; this module re-exports its user
API under the old name.
"""

from pyrates_frontend import (
    CircuitTemplate,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    clear_frontend_caches,
    integrate,
)

__all__ = [
    "CircuitTemplate",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "clear_frontend_caches",
    "integrate",
]
