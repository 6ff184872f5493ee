"""A numba loop holds only the requested fixed-step method; other methods still run right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_backend_testlib import load, request, requires_numba, wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_backend_numpy.codegen import LOOP_METHODS, loop_solver
from pyrates_backend_numpy.solvers import FIXED_METHODS
from pyrates_core.backend import CodegenOptions


def test_method_codes_match_the_solvers() -> None:
    assert LOOP_METHODS == FIXED_METHODS


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_numba_loop_holds_one_method(solver: str) -> None:
    be = NumpyBackend()
    code = be.generate(wilson_cowan(6), CodegenOptions(solver=solver, extra={"numba": True}))
    src = code.source
    loop = src[src.index("def run_fixed_step("):]
    assert f"# compiled for {solver} only" in loop and "_method ==" not in loop
    used = {name for name in ("_heun_in(", "_rk4_in(") if name in loop}
    assert used == {"heun": {"_heun_in("}, "rk4": {"_rk4_in("}, "euler": set()}[solver]
    assert loop.count("_rhs_into(") == {"euler": 1, "heun": 2, "rk4": 4}[solver]
    assert code.metadata["loop_solver"] == solver
    numpy_src = be.generate(wilson_cowan(6), CodegenOptions(solver=solver,
                                                            extra={"numba": False})).source
    assert numpy_src.count("_method ==") == 2  # nothing to compile: every method kept
    assert loop_solver(CodegenOptions(solver="scipy", adaptive=True), True) is None


@requires_numba
@pytest.mark.parametrize("solver", ["heun", "rk4"])
def test_other_method_than_generated_is_compiled_for(tmp_path: Path, solver: str) -> None:
    be = NumpyBackend()
    system = wilson_cowan(6)
    euler_model = load(system, tmp_path, True)  # generated for euler (the default)
    assert euler_model.code.metadata["loop_solver"] == "euler"
    got = be.integrate(euler_model, request(5.0, solver=solver))
    ref = be.integrate(load(system, tmp_path, False), request(5.0, solver=solver))
    for key in ref.outputs:
        np.testing.assert_allclose(got.outputs[key], ref.outputs[key], rtol=1e-12, atol=1e-13)
    euler = be.integrate(load(system, tmp_path, False), request(5.0, solver="euler"))
    assert np.max(np.abs(euler.outputs["E"] - got.outputs["E"])) > 1e-8  # a different method
