"""PyRates: a code-generation tool for dynamical-systems models.

This meta-package gathers the user API of the PyRates packages in one namespace::

    from pyrates import CircuitTemplate

    jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    res = jrc.run(simulation_time=1.0, step_size=1e-4, outputs={"V_e": "pc/rpo_e_in/V"})

The objects themselves live in ``pyrates_frontend`` (templates, simulation) and
``pyrates_sweep`` (parameter sweeps); see the root README for the full package map.
"""

from importlib.metadata import PackageNotFoundError, version

from pyrates_frontend import (
    CircuitTemplate,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    clear_frontend_caches,
    integrate,
)
from pyrates_sweep import grid_search

try:
    __version__ = version("pyrates")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CircuitTemplate",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "__version__",
    "clear_frontend_caches",
    "grid_search",
    "integrate",
]
