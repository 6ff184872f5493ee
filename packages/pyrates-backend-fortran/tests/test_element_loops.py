"""Equations as the core's 1-based element loops: the vector field equals the NumPy backend's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp
from fortran_testlib import needs_gfortran

from pyrates_backend_fortran import FortranBackend
from pyrates_backend_fortran.auto import generate_auto
from pyrates_backend_fortran.build import compile_module
from pyrates_backend_fortran.codegen import generate_simulation
from pyrates_backend_numpy import NumpyBackend
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


def test_source_has_element_loops_and_no_array_statements() -> None:
    src, _ = generate_simulation(mixed_system())
    body = src[src.index("subroutine pr_eval"):src.index("end subroutine pr_eval")]
    assert "do pr_j = 1, 4" in body and "pr_dy(pr_j) = " in body
    assert "pr_dy(5) = " in body  # the size-1 state: one statement at its 1-based index
    assert "pr_dy(1:4)" not in body and "pr_tmp0" in body


@needs_gfortran
def test_vector_field_equals_numpy(tmp_path: Path) -> None:
    system = mixed_system()
    fortran, numpy_ = FortranBackend(), NumpyBackend()
    fm = fortran.load(fortran.generate(system, CodegenOptions()), tmp_path / "f")
    nm = numpy_.load(numpy_.generate(system, CodegenOptions(extra={"numba": False})),
                     tmp_path / "n")
    rng = np.random.default_rng(1)
    for t in (0.0, 0.7):
        y = rng.uniform(-2, 2, system.n_state)
        expected = nm.func(t, y, *nm.args)
        assert np.ptp(expected) > 0.1
        np.testing.assert_allclose(fm.func(t, y, *fm.args), expected, rtol=1e-13, atol=1e-13)


@needs_gfortran
def test_auto_vector_field_equals_numpy(tmp_path: Path) -> None:
    """The AUTO-07p export's vector field (element loops, a matrix parameter) equals numpy's."""
    system = mixed_system()
    src, _, table = generate_auto(system, "mixed_rhs")
    module, _, _ = compile_module(src, tmp_path)
    numpy_ = NumpyBackend()
    nm = numpy_.load(numpy_.generate(system, CodegenOptions(extra={"numba": False})),
                     tmp_path / "n")
    y = np.random.default_rng(2).uniform(-2, 2, system.n_state)
    dy = module.mixed_rhs(0.7, y, *[table.par_values[k] for k in table.par])
    np.testing.assert_allclose(dy, nm.func(0.7, y, *nm.args), rtol=1e-13, atol=1e-13)
