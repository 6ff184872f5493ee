"""The core's conformance kit, run in GNU Octave (analytic solutions, convergence orders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from matlab_testlib import KitRows, needs_octave

from pyrates_backend_matlab import MatlabBackend
from pyrates_core import testing

pytestmark = needs_octave

FIXED = ("euler", "heun", "rk4")


def test_protocol() -> None:
    """Attributes of the backend protocol."""
    assert testing.check_protocol(MatlabBackend()) == []


@pytest.mark.parametrize("case, solvers", [
    (testing.exponential_decay, ("euler", "rk4", "ode23")),
    (testing.harmonic_oscillators, ("rk4", "ode45")),
    (testing.assignment_output, ("heun", "ode23")),
    (testing.input_pulse, FIXED),
    (testing.undelayed_edges, ("rk4", "ode45")),
    (testing.delayed_feedback, FIXED),
    (lambda: testing.delayed_feedback(history="initial"), ("euler", "rk4")),
    (testing.delayed_feedback_interpolated, FIXED),
    (testing.custom_functions, ("euler", "ode45")),
])
def test_reference_case(case, solvers: tuple[str, ...], tmp_path: Path) -> None:
    """Each reference case against its exact solution, within the kit's tolerances."""
    failures = testing.check_case(KitRows(solvers), case(), tmp_path)
    assert not failures, "\n".join(failures)


def test_convergence_orders(tmp_path: Path) -> None:
    """Observed global orders 1, 2 and 4 of the generated euler, heun and rk4."""
    failures = testing.check_convergence_orders(KitRows(FIXED), tmp_path)
    assert not failures, "\n".join(failures)
