"""Helpers of the matlab backend tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pyrates_backend_matlab import MatlabBackend
from pyrates_backend_matlab.octave import find_octave
from pyrates_core.backend import SimulationRequest, SimulationResult

needs_octave = pytest.mark.skipif(find_octave() is None,
                                  reason="GNU Octave (octave-cli) is not installed")


class KitRows:
    """The backend with only some of its solvers, for the conformance kit.

    Every Octave run starts a process (about a second), so each reference case runs with a
    few solvers that cover fixed-step and adaptive code; the rest is the backend's own. The
    kit's rows (1.x: ``t = 0 .. T - s``) and history modes are the backend's conventions.
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
        """As the backend's."""
        return self.inner.integrate(model, request)
