"""Alias of PyRates 1.x's ``pyrates.ir.circuit``: the two module-level caches scripts clear.

1.x kept edge bookkeeping between builds in ``in_edge_indices`` and ``in_edge_vars``; nothing
outlives a build here, so both stay empty and clearing them is harmless.
"""

from typing import Any

in_edge_indices: dict[Any, Any] = {}
in_edge_vars: dict[Any, Any] = {}

__all__ = ["in_edge_indices", "in_edge_vars"]
