"""The shared Jacobian checks (:mod:`pyrates_frontend.jacobian_checks`) on the numpy backend,
whose Jacobian they compare with central differences of its own vector field."""

from pyrates_frontend.jacobian_checks import JacobianChecks


class TestNumpyJacobian(JacobianChecks):
    """Every shared check, on the numpy backend."""

    backend = "numpy"
