"""Jacobians of the torch backend (codegen target 'jacobian'): the shared checks of
:class:`pyrates_frontend.jacobian_checks.JacobianChecks` (finite differences of the numpy
vector field, analytic fixed-point eigenvalues, the delayed split ``(J0, [J_tau...])``, the
complex Wirtinger Jacobian, sparse against dense)."""

from pyrates_frontend.jacobian_checks import JacobianChecks


class TestJacobian(JacobianChecks):
    """The shared Jacobian checks on the torch backend."""

    backend = "torch"
