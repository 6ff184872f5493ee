"""Helpers of the matlab backend tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pyrates_backend_matlab import MatlabBackend
from pyrates_backend_matlab.octave import find_octave
from pyrates_core import testing
from pyrates_core.backend import SimulationRequest, SimulationResult

needs_octave = pytest.mark.skipif(find_octave() is None,
                                  reason="GNU Octave (octave-cli) is not installed")


class _Exact:
    """A stand-in backend that returns a reference case's exact solution on given rows."""

    name = "exact"
    solvers = frozenset({"euler"})

    def __init__(self, case: Any, first_row: int) -> None:
        self.case, self.first_row = case, first_row

    def generate(self, system: Any, options: Any) -> None:
        """Nothing to generate."""

    def load(self, code: Any, workdir: Path, file_name: str | None = None) -> None:
        """Nothing to load."""

    def integrate(self, model: Any, request: SimulationRequest) -> SimulationResult:
        """The exact outputs at ``t_k = k*dt``, ``k = first_row .. first_row + n - 1``."""
        n = request.n_steps
        t = np.arange(self.first_row, self.first_row + n) * request.step_size
        return SimulationResult(t, self.case.exact(t), np.zeros(1))


def kit_rows_start_at_zero() -> bool:
    """Whether the installed conformance kit expects the 1.x rows (first row at t = 0)."""
    case = testing.exponential_decay()
    return not testing.check_case(_Exact(case, 0), case, Path("."))


def kit_history() -> str:
    """The pre-history the kit's delayed reference solution assumes."""
    return "initial" if abs(float(testing.delay_solution(np.array([0.5]))[0]) - 0.5) < 1e-12 \
        else "zero"


class KitRows:
    """The backend seen through the conformance kit's conventions.

    The kit of this core version samples at ``t = dt .. T`` and assumes the initial value as
    the history before ``t = 0``; the backend follows the 1.x rows (``t = 0 .. T - dt``) and
    history ``'zero'`` by default. Where the kit differs (probed once, so that the tests keep
    working when the kit adopts the 1.x conventions), this wrapper integrates one sampling step
    further and drops row 0, and asks for the kit's history; the rest is the backend's own.
    """

    def __init__(self, solvers: tuple[str, ...]) -> None:
        self.inner = MatlabBackend()
        self.solvers = frozenset(solvers)
        self.shift = not kit_rows_start_at_zero()
        self.history = kit_history()
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
        """Integrate (to ``T + s`` and without row 0 where the kit starts at ``s``)."""
        if not self.shift:
            return self.inner.integrate(model, dataclasses.replace(request,
                                                                   history=self.history))
        s = request.sampling_step_size or request.step_size
        extra = int(round(s / request.step_size))
        inputs = {k: np.concatenate([v, np.repeat(v[-1:], extra, axis=0)])
                  for k, v in request.inputs.items()}
        longer = dataclasses.replace(request, simulation_time=request.simulation_time + s,
                                     inputs=inputs, history=self.history)
        res = self.inner.integrate(model, longer)
        return SimulationResult(res.time[1:], {k: v[1:] for k, v in res.outputs.items()},
                                res.final_state, res.stats)
