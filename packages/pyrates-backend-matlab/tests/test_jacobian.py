"""Jacobians of the matlab backend (codegen target 'jacobian', evaluated in GNU Octave): the
shared checks of :class:`pyrates_frontend.jacobian_checks.JacobianChecks` (finite differences
of the numpy vector field, analytic fixed-point eigenvalues, the delayed split
``(J0, [J_tau...])``, the complex Wirtinger Jacobian, sparse against dense), and the
conformance kit's check."""

import pytest

from pyrates_backend_matlab.octave import find_octave
from pyrates_frontend.jacobian_checks import JacobianChecks

pytestmark = pytest.mark.skipif(find_octave() is None, reason="GNU Octave is not installed")


class TestJacobian(JacobianChecks):
    """The shared Jacobian checks on the matlab backend."""

    backend = "matlab"


def test_conformance_kit_jacobian_check(tmp_path):
    """The kit's check: J equals central differences of the Octave vector field."""
    from pyrates_backend_matlab import MatlabBackend
    from pyrates_core import testing

    assert testing.check_jacobian(MatlabBackend(), tmp_path) == []
