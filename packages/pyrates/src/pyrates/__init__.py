"""PyRates: a code-generation tool for dynamical-systems models.

This meta-package gathers the user API of the PyRates packages in one namespace, with the
names of PyRates 1.x::

    from pyrates import CircuitTemplate

    jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    res = jrc.run(simulation_time=1.0, step_size=1e-4, outputs={"v": "pc/rpo_e_in/v"})

The objects themselves live in ``pyrates_frontend`` (templates, simulation) and
``pyrates_sweep`` (parameter sweeps); the modules ``pyrates.frontend``, ``pyrates.utility``
and ``pyrates.ir`` are thin aliases for scripts written for 1.x.
"""

from importlib.metadata import PackageNotFoundError, version

from pyrates_frontend import (
    CircuitTemplate,
    Connectivity,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    PopulationTemplate,
    clear,
    clear_frontend_caches,
    fit,
    integrate,
    loss_gradient,
    save,
)
from pyrates_sweep import grid_search

try:
    __version__ = version("pyrates")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CircuitTemplate",
    "Connectivity",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "PopulationTemplate",
    "__version__",
    "clear",
    "clear_frontend_caches",
    "fit",
    "grid_search",
    "integrate",
    "loss_gradient",
    "save",
]
