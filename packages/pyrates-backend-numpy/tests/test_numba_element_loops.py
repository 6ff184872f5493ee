"""numba flavour: the core's element loops give the pure NumPy vector field on mixed sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp
from numpy_backend_testlib import load, requires_numba

from pyrates_backend_numpy.codegen import generate_source
from pyrates_core.backend import CodegenOptions
from pyrates_core.functions import (
    ArrayMean,
    ArraySum,
    Concatenate,
    Dot,
    EdgeSum,
    Index,
    Roll,
    Slice,
    maxi,
)
from pyrates_core.system import Assignment, EdgeBundle, ParameterSpec, StateSpec, SystemIR


def mixed_system() -> SystemIR:
    """Sizes 1 and 4 mixed: broadcasts, a matrix product of an expression, slices, gathers."""
    x, s, c, mat, w, t, a, b, idx = sp.symbols("x s c mat w t a b idx")
    params = {"c": ParameterSpec("c", np.array(0.7)),
              "mat": ParameterSpec("mat", np.arange(16.0).reshape(4, 4) / 13),
              "w": ParameterSpec("w", np.array([0.5, -1.5, 2.0])),
              "idx": ParameterSpec("idx", np.array([3, 0, 2, 2]), role="index")}
    states = [StateSpec("x", 0, np.array([0.3, -1.2, 2.0, 0.1]), [f"n{i}/op/x" for i in range(4)]),
              StateSpec("s", 4, np.array([0.4]), ["n/op/s"])]
    bundle = EdgeBundle("e", "x", 4, 1, np.array([0, 1, 3]), np.array([0, 0, 0]), "w",
                        np.zeros(3))
    assignments = [
        Assignment("a", c * x * s + sp.sin(t) + ArraySum(2 * x) + Index(x, idx), 4,
                   [f"n{i}/op/a" for i in range(4)]),
        Assignment("b", EdgeSum(x, 0) * s + ArrayMean(Slice(x, 1, 3)), 1, ["n/op/b"])]
    derivs = [-a + Dot(mat, sp.tanh(x)) * s + Roll(x * s, 1) + maxi(x, b),
              -s * c + b + Index(Concatenate(x, s), 4) + Index(Roll(x, 2), 0) ** 2]
    return SystemIR(states, derivs, params, {}, assignments, [bundle])


def test_source_is_element_loops() -> None:
    src, _ = generate_source(mixed_system(), CodegenOptions(), numba=True)
    body = src[src.index("def _rhs_into"):src.index("def vector_field")]
    assert "for _i in range(4):" in body and "dy[_i] = " in body
    assert "dy[4 + _i]" in body and "s[0]" in body  # size-1 state read at index 0
    assert "dy[0:4]" not in body
    # assignments and element-loop temporaries live in the caller's scratch array
    assert "np.empty(" not in body and "a = _wk[" in body


@requires_numba
def test_numba_vector_field_equals_pure_numpy(tmp_path: Path) -> None:
    system = mixed_system()
    pure, fast = load(system, tmp_path / "p", False), load(system, tmp_path / "n", True)
    rng = np.random.default_rng(1)
    for t in (0.0, 0.7):
        y = rng.uniform(-2, 2, system.n_state)
        expected = pure.func(t, y, *pure.args)
        assert np.ptp(expected) > 0.1
        np.testing.assert_allclose(fast.func(t, y, *fast.args), expected, rtol=1e-13,
                                   atol=1e-13)
