"""Jacobians of the jax backend (codegen target 'jacobian'): the shared checks of
:class:`pyrates_frontend.jacobian_checks.JacobianChecks` (finite differences of the numpy
vector field, analytic fixed-point eigenvalues, the delayed split ``(J0, [J_tau...])``, the
complex Wirtinger Jacobian, sparse against dense), and ``jax.jacfwd``."""

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate
from pyrates_frontend.jacobian_checks import NMM, OSC, JacobianChecks


class TestJacobian(JacobianChecks):
    """The shared Jacobian checks on the jax backend."""

    backend = "jax"


@pytest.mark.parametrize("path", [f"{NMM}.jansenrit.JRC", f"{OSC}.vanderpol.vdp"])
def test_equals_jacfwd_of_the_jax_vector_field(path):
    """The printed Jacobian equals ``jax.jacfwd`` of the JAX vector field (to rounding) and
    is a jitted function."""
    import jax

    c = CircuitTemplate.from_yaml(path)
    f, a, _, _ = c.get_run_func("jvf", 1e-3, backend="jax", verbose=False, in_place=False)
    j, ja, _, _ = TestJacobian().jac(c, "jjac")
    y = a[1] + 0.1 * np.random.default_rng(2).standard_normal(a[1].shape)
    ref = np.asarray(jax.jacfwd(lambda z: f(0.0, z, *a[2:]))(jax.numpy.asarray(y)))
    out = j(0.0, y, *ja[2:])
    assert isinstance(out, jax.Array) and hasattr(j, "lower")  # a jax.jit-wrapped function
    assert np.abs(np.asarray(out) - ref).max() < 1e-12 * max(1.0, np.abs(ref).max())
