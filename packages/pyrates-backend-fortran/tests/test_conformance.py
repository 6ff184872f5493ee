"""The conformance kit of pyrates_core (1.x rows, 'zero' and 'initial' delay history), plus
the protocol check."""

from __future__ import annotations

import pytest
from fortran_testlib import needs_gfortran

from pyrates_backend_fortran import FortranBackend
from pyrates_core import testing as kit

pytestmark = needs_gfortran


@pytest.fixture(scope="module")
def backend() -> FortranBackend:
    """One backend for the kit's checks."""
    return FortranBackend()


def test_protocol() -> None:
    """Every IR function is printable and every solver has a spec."""
    backend = FortranBackend()
    assert kit.check_protocol(backend) == []
    runnable = {s.name for s in backend.solver_specs if not s.export_only}
    assert runnable == set(backend.solvers)
    # 'scipy' is exported for (get_run_func), never run: run(solver='scipy') must be refused
    assert [s.name for s in backend.solver_specs if s.export_only] == ["scipy"]
    assert "scipy" not in backend.solvers


class TestKit(kit.BackendConformance):
    """Every reference case with euler, heun and rk4 against its exact solution."""
