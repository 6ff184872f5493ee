"""PyRates frontend: templates (YAML or Python), circuits, and the simulation API."""

from __future__ import annotations

from pyrates_frontend.building import clear_template_cache
from pyrates_frontend.circuit import CircuitTemplate
from pyrates_frontend.simulation import integrate
from pyrates_frontend.templates import EdgeTemplate, NodeTemplate, OperatorTemplate

__all__ = [
    "CircuitTemplate",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "clear_frontend_caches",
    "integrate",
]


def clear_frontend_caches() -> None:
    """Forget all loaded templates and YAML files (e.g. after editing a YAML file)."""
    clear_template_cache()
