"""Printer, names, history modes, caching, build paths and error messages."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from fortran_testlib import needs_gfortran

from pyrates_backend_fortran import FortranBackend, build
from pyrates_backend_fortran.build import compile_module
from pyrates_backend_fortran.printer import FortranPrinter, fortran_names
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.errors import DivergenceError, EquationError, SolverError
from pyrates_core.functions import EdgeSum, Past
from pyrates_core.system import EdgeBundle, ParameterSpec, StateSpec, SystemIR


def test_names_are_unique_case_insensitively_and_avoid_reserved() -> None:
    names = fortran_names(["V", "v", "_x", "sum", "pr_a", "dt"])
    assert len(set(names.values())) == 6
    assert names["V"] == "v" and names["v"] != "v"
    assert not any(n.startswith("_") or n.startswith("pr_") for n in names.values())
    assert names["sum"] != "sum" and names["dt"] != "dt"


def test_printer() -> None:
    x, y = sp.symbols("x y")
    p = FortranPrinter({"x": "x", "y": "yy"}, {"x": 3, "y": 1})
    assert p.code(x**2 / 3 + sp.pi * y) == "(1.0d0/3.0d0)*x**2 + 3.1415926535897932d0*yy"
    assert p.code(sp.I * x) == "(0.0d0, 1.0d0)*x"
    assert p.code(sp.Integer(2**40) * x) == "1099511627776.0d0*x"
    with pytest.raises(EquationError, match="cannot print the function 'besselj'"):
        p.code(sp.besselj(0, x))
    with pytest.raises(EquationError, match="'z' is not a state"):
        p.code(sp.Symbol("z"))


def _delay_system(history_value: float = 1.0) -> SystemIR:
    """x' = -x(t - 1) through Past(), x(0) = 1."""
    x, tau = sp.symbols("x tau")
    return SystemIR([StateSpec("x", 0, np.array([history_value]), ["n/x"])], [-Past(x, tau)],
                    {"tau": ParameterSpec("tau", np.array(1.0))}, {}, [])


@needs_gfortran
def test_zero_history(tmp_path: Path) -> None:
    """history='zero' (1.x default): x' = 0 on [0, 1), then x' = -1 on [1, 2): x = 2 - t.

    The delay is a multiple of dt, so every solver is exact to rounding: as in the NumPy
    backend, a stage after the start of a step that reads exactly t = 0 gets the left limit
    (0), so Heun and RK4 see the jump of x' at t = 1 only from the step that starts there.
    """
    be = FortranBackend()
    model = be.load(be.generate(_delay_system(), CodegenOptions()), tmp_path)
    out = {"x": ("x", np.array([0]))}
    for solver, tol in (("euler", 1e-12), ("heun", 1e-12), ("rk4", 1e-12)):
        res = be.integrate(model, SimulationRequest(2.0, 0.01, solver=solver, outputs=out))
        t, xs = res.time, res.outputs["x"][:, 0]
        assert np.all(xs[t < 0.985] == 1.0)
        late = t >= 1.05
        assert np.max(np.abs(xs[late] - (2.0 - t[late]))) < tol, solver
    res_i = be.integrate(model, SimulationRequest(2.0, 0.01, solver="rk4", outputs=out,
                                                  history="initial"))
    assert res_i.outputs["x"][50, 0] == pytest.approx(0.5, abs=1e-10)  # x = 1 - t on [0, 1]
    with pytest.raises(SolverError, match="not a history mode"):
        be.integrate(model, SimulationRequest(1.0, 0.1, history="bogus"))
    with pytest.raises(SolverError, match="shorter than the step size"):
        be.integrate(model, SimulationRequest(2.0, 0.01, param_values={"tau": 0.005}))


@needs_gfortran
def test_cache_second_build_is_free(tmp_path: Path) -> None:
    be = FortranBackend()
    sys_ = _delay_system(0.5)
    sys_.params["tau_cache_test"] = sys_.params.pop("tau")  # a source no other test built
    sys_.params["tau_cache_test"].name = "tau_cache_test"
    sys_.derivatives = [d.subs(sp.Symbol("tau"), sp.Symbol("tau_cache_test"))
                        for d in sys_.derivatives]
    code = be.generate(sys_, CodegenOptions(extra={"build_dir": str(tmp_path / "b")}))
    start = time.perf_counter()
    be.load(code, tmp_path)
    first = time.perf_counter() - start
    build._loaded.clear()  # as in a new process: the module comes from the disk cache
    code2 = be.generate(sys_, CodegenOptions(extra={"build_dir": str(tmp_path / "b")}))
    be.load(code2, tmp_path)
    assert code2.metadata["cache_hit"] is True and code2.metadata["compile_time"] < 0.05
    assert first > 0.2
    assert list((tmp_path / "b").glob("pyrates_fortran_*"))


@needs_gfortran
def test_meson_build_path() -> None:
    """f2py -c --backend meson builds the same module (slower: meson configures a project)."""
    pytest.importorskip("mesonbuild", reason="meson not installed (pip install meson ninja)")
    be = FortranBackend()
    code = be.generate(_delay_system(0.25), CodegenOptions())
    module, seconds, hit = compile_module(code.source.replace("! generated", "! meson build"),
                                          compiler="meson")
    assert not hit and seconds > 0 and hasattr(module, "pyrates_simulate")


@needs_gfortran
def test_divergence_and_bad_requests(tmp_path: Path) -> None:
    x, k = sp.symbols("x k")
    sys_ = SystemIR([StateSpec("x", 0, np.array([1.0]), ["n/x"])], [k * x**2],
                    {"k": ParameterSpec("k", np.array(1.0), ["n/k"])}, {}, [])
    be = FortranBackend()
    model = be.load(be.generate(sys_, CodegenOptions()), tmp_path)
    with pytest.raises(DivergenceError, match="state variable.*x.*non-finite"):
        be.integrate(model, SimulationRequest(5.0, 0.01))
    with pytest.raises(SolverError, match="not supported by the fortran backend"):
        be.integrate(model, SimulationRequest(1.0, 0.1, solver="scipy"))
    with pytest.raises(KeyError, match="not part of the model"):
        be.integrate(model, SimulationRequest(1.0, 0.1, param_values={"kk": 1.0}))
    with pytest.raises(SolverError, match="multiple of step_size"):
        be.integrate(model, SimulationRequest(1.0, 0.1, sampling_step_size=0.15))
    with pytest.warns(UserWarning, match="no progress bar"):
        res = be.integrate(model, SimulationRequest(0.5, 0.1, param_values={"k": -1.0},
                                                    outputs={"x": ("x", None)}, progress=True))
    assert res.outputs["x"][0, 0] == 1.0 and res.final_state[0] < 1.0


@needs_gfortran
def test_vector_field_function(tmp_path: Path) -> None:
    """get_run_func-style use: model.func(t, y, *args) returns dy/dt."""
    x, w = sp.symbols("x w")
    bundle = EdgeBundle("e", "x", 3, 3, np.array([0, 1, 2]), np.array([1, 2, 0]), "w",
                        np.zeros(3))
    sys_ = SystemIR([StateSpec("x", 0, np.array([1.0, 2.0, 3.0]), ["a", "b", "c"])],
                    [-x + EdgeSum(x, 0)], {"w": ParameterSpec("w", np.array([1.0, 2.0, 3.0]))},
                    {}, [], [bundle])
    be = FortranBackend()
    model = be.load(be.generate(sys_, CodegenOptions()), tmp_path)
    dy = model.func(0.0, np.array([1.0, 2.0, 3.0]), *model.args)
    assert np.allclose(dy, [-1.0 + 3 * 3.0, -2.0 + 1 * 1.0, -3.0 + 2 * 2.0])


def test_float32_is_refused() -> None:
    x = sp.Symbol("x")
    sys_ = SystemIR([StateSpec("x", 0, np.array([1.0], np.float32), ["x"])], [-x], {}, {}, [],
                    dtype="float32")
    with pytest.raises(SolverError, match="double precision"):
        FortranBackend().generate(sys_, CodegenOptions())


@needs_gfortran
def test_complex_system(tmp_path: Path) -> None:
    """z' = (i*omega - gamma) z in complex(8): z(t) = exp((i*omega - gamma) t)."""
    z, om, ga = sp.symbols("z omega gamma")
    sys_ = SystemIR([StateSpec("z", 0, np.array([1.0 + 0j]), ["n/z"])],
                    [(sp.I * om - ga) * z],
                    {"omega": ParameterSpec("omega", np.array(2.0 + 0j)),
                     "gamma": ParameterSpec("gamma", np.array(0.5 + 0j))}, {}, [],
                    is_complex=True)
    be = FortranBackend()
    model = be.load(be.generate(sys_, CodegenOptions()), tmp_path)
    res = be.integrate(model, SimulationRequest(2.0, 1e-3, solver="rk4",
                                                outputs={"z": ("z", None)}))
    exact = np.exp((2.0j - 0.5) * res.time)
    assert res.outputs["z"].dtype == np.complex128
    assert np.max(np.abs(res.outputs["z"][:, 0] - exact)) < 1e-12


def test_unknown_backend_options_are_errors() -> None:
    x = sp.Symbol("x")
    sys_ = SystemIR([StateSpec("x", 0, np.array([1.0]), ["x"])], [-x], {}, {}, [])
    with pytest.raises(TypeError, match="unknown option.*'numba'.*accepted: auto"):
        FortranBackend().generate(sys_, CodegenOptions(extra={"numba": True}))
    with pytest.raises(ValueError, match="compiler"):
        FortranBackend().generate(sys_, CodegenOptions(extra={"compiler": "ifort"}))
