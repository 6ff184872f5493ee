"""PyRates frontend: templates (YAML or Python), circuits, and the simulation API."""

from __future__ import annotations

from pyrates_frontend.circuit import CircuitTemplate
from pyrates_frontend.fitting import fit, loss_gradient
from pyrates_frontend.population import Connectivity, PopulationTemplate
from pyrates_frontend.simulation import integrate
from pyrates_frontend.templates import EdgeTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.utility import clear, clear_frontend_caches, save

__all__ = [
    "CircuitTemplate",
    "Connectivity",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "PopulationTemplate",
    "clear",
    "clear_frontend_caches",
    "fit",
    "integrate",
    "loss_gradient",
    "save",
]
