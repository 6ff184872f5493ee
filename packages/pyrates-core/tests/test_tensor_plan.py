"""The framework-neutral run plan of the tensor backends: interpolation weights and stencils."""

from __future__ import annotations

import numpy as np
import pytest

from pyrates_core.errors import SolverError
from pyrates_core.tensor_plan import lagrange_weights, stencil_nodes


@pytest.mark.parametrize("q", [0.0, 1.0])
def test_weights_reproduce_polynomials_of_their_degree(q):
    """Cubic stencil (lags -1..2 around the fraction u) is exact for cubics, the quadratic
    one (lags 0..2) for quadratics; both sum to one."""
    u = np.linspace(0.0, 1.0, 11)
    w = lagrange_weights(u, np.full_like(u, q))
    nodes = [0.0, 1.0, 2.0] if q else [-1.0, 0.0, 1.0, 2.0]
    degree = 2 if q else 3
    np.testing.assert_allclose(sum(w), 1.0, atol=1e-14)
    for k in range(degree + 1):
        exact = u ** k
        approx = sum(wi * x ** k for wi, x in zip(w, nodes))
        np.testing.assert_allclose(approx, exact, atol=1e-13)
    if q:
        np.testing.assert_array_equal(w[3], 0.0)


def test_stencil_rejects_delays_below_one_step():
    j, base = stencil_nodes(np.array([0.0, 0.5, 3.25]), 0.1, "edge a -> b")
    assert j.tolist() == [0, 0, 3] and base.tolist() == [0, 0, 2]
    with pytest.raises(SolverError, match="edge a -> b.*shorter than the step size"):
        stencil_nodes(np.array([-0.5]), 0.1, "edge a -> b")
