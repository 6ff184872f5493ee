"""Placeholders for the population templates of PyRates 1.x (coming with issue 16)."""

from __future__ import annotations

from typing import Any

__all__ = ["Connectivity", "PopulationTemplate"]

_MESSAGE = ("{name} is coming with issue 16 (Jacobians and populations); until then, build "
            "the nodes with NodeTemplate and connect them with "
            "CircuitTemplate.add_edges_from_matrix")


class PopulationTemplate:
    """A vector-valued population of identical nodes (not available yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(_MESSAGE.format(name="PopulationTemplate"))


class Connectivity:
    """A connectivity pattern between populations (not available yet)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(_MESSAGE.format(name="Connectivity"))
