"""Helpers of the matlab backend tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyrates_backend_matlab import MatlabBackend
from pyrates_backend_matlab.octave import find_octave
from pyrates_core.backend import SimulationRequest, SimulationResult

needs_octave = pytest.mark.skipif(find_octave() is None,
                                  reason="GNU Octave (octave-cli) is not installed")


class KitRows:
    """The backend seen through the conformance kit's conventions.

    The kit of this core version samples at ``t = dt .. T`` and assumes the initial value as
    the history before ``t = 0``; the backend follows the 1.x rows (``t = 0 .. T - dt``) and
    history ``'zero'`` by default. This wrapper integrates one sampling step further, drops
    row 0, and asks for history ``'initial'``; everything else is the backend's own.
    """

    def __init__(self, solvers: tuple[str, ...]) -> None:
        self.inner = MatlabBackend()
        self.solvers = frozenset(solvers)
        for attr in ("name", "functions", "file_suffix", "capabilities", "solver_specs",
                     "option_specs"):
            setattr(self, attr, getattr(self.inner, attr))

    def generate(self, system: Any, options: Any) -> Any:
        """As the backend's."""
        return self.inner.generate(system, options)

    def load(self, code: Any, workdir: Path, file_name: str | None = None) -> Any:
        """As the backend's."""
        return self.inner.load(code, workdir, file_name)

    def integrate(self, model: Any, request: SimulationRequest) -> SimulationResult:
        """Integrate to ``T + s`` and return rows ``s .. T``."""
        s = request.sampling_step_size or request.step_size
        extra = int(round(s / request.step_size))
        inputs = {k: np.concatenate([v, np.repeat(v[-1:], extra, axis=0)])
                  for k, v in request.inputs.items()}
        longer = dataclasses.replace(request, simulation_time=request.simulation_time + s,
                                     inputs=inputs, history="initial")
        res = self.inner.integrate(model, longer)
        return SimulationResult(res.time[1:], {k: v[1:] for k, v in res.outputs.items()},
                                res.final_state, res.stats)
