"""Alias of PyRates 1.x's ``pyrates.frontend.template.population`` ."""

from pyrates_frontend import Connectivity, PopulationTemplate

__all__ = ["Connectivity", "PopulationTemplate"]
