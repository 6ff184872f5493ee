"""Generated files, error messages, history modes and get_run_func of the matlab backend."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from matlab_testlib import needs_octave

from pyrates_backend_matlab import MatlabBackend
from pyrates_backend_matlab.octave import run_driver, struct_fields
from pyrates_core import testing
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.errors import EquationError, SolverError
from pyrates_core.system import ParameterSpec, StateSpec, SystemIR
from pyrates_frontend import CircuitTemplate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

JRC = "model_templates.neural_mass_models.jansenrit.JRC"
QIF = "model_templates.neural_mass_models.qif.qif"


def _delayed_pair() -> SystemIR:
    jrc = CircuitTemplate.from_yaml(JRC)
    circuit = CircuitTemplate("pair", circuits={"a": jrc, "b": jrc}, edges=[
        ("a/pc/pro/m", "b/pc/rpo_e_in/m_in", None, {"weight": 40.0, "delay": 1e-3}),
        ("b/pc/pro/m", "a/pc/rpo_e_in/m_in", None, {"weight": 20.0, "delay": 2.5e-3}),
    ])
    return compile_network(circuit.network())


def test_files_and_structure() -> None:
    """One dy line per state, every parameter in the params file, the three files named."""
    system = compile_network(CircuitTemplate.from_yaml(JRC).network())
    code = MatlabBackend().generate(system, CodegenOptions(func_name="jrc"))
    assert code.source.startswith("function [dy, a] = jrc(t, y, p)")
    assert sorted(code.files) == ["jrc_params.m", "jrc_run.m"]
    dy_lines = re.findall(r"^  dy\((\d+):(\d+)\) = ", code.source, flags=re.M)
    assert len(dy_lines) == len(system.states)
    spans = [(s.start + 1, s.start + s.size) for s in system.states]
    assert [(int(a), int(b)) for a, b in dy_lines] == spans
    params = code.files["jrc_params.m"]
    for name in system.params:
        assert re.search(rf"^  p\.{name} = ", params, flags=re.M), name
    assert code.arg_names == list(system.params)
    assert "z{" not in code.source and "(t, y, p, z)" not in code.source


def test_delayed_model_structure() -> None:
    """Delayed edges read z{k}; the tables carry the delays; dde23 is generated."""
    system = _delayed_pair()
    code = MatlabBackend().generate(system, CodegenOptions(func_name="pair"))
    assert code.source.startswith("function [dy, a] = pair(t, y, p, z)")
    params = code.files["pair_params.m"]
    tables = re.findall(r"meta\.tables\{(\d+)\} = struct\('hist', (\d+)", params)
    assert tables == [("1", "1")]  # both delayed edges come from one bundle of one source
    assert "d = [0.001; 0.0025]" in params or "d = [0.0025; 0.001]" in params
    assert re.search(r"_D \* z\{1\}", code.source)
    driver = code.files["pair_run.m"]
    assert "sol = dde23(rhs, lags, hist, [0, T], o);" in driver
    assert "ddeset(o, 'InitialY', y)" in driver  # history 'zero': y(0) differs from h(t<0)
    assert "meta.dde_ok = true;" in params  # the delayed sigmoid depends on no delayed value


def test_unknown_function_is_an_error() -> None:
    """The strict printer names the function it cannot print."""
    x = sp.Symbol("x")
    system = SystemIR([StateSpec("x", 0, np.ones(1), ["n/op/x"])], [sp.Function("foo")(x)],
                      {}, {}, [])
    with pytest.raises(EquationError, match="cannot print the function 'foo'"):
        MatlabBackend().generate(system, CodegenOptions())


def test_names_are_valid_and_do_not_shadow() -> None:
    """IR names that are not MATLAB identifiers or shadow builtins are renamed."""
    x, pi_, e = sp.symbols("_x pi end")
    system = SystemIR([StateSpec("_x", 0, np.ones(2), ["n/op/x[0]", "n/op/x[1]"])],
                      [-pi_ * x + e + sp.pi], {"pi": ParameterSpec("pi", np.asarray(2.0)),
                                               "end": ParameterSpec("end", np.asarray(1.0))},
                      {}, [])
    code = MatlabBackend().generate(system, CodegenOptions(func_name="f"))
    assert "  v_x = y(1:2);" in code.source
    assert "p.pi_2" in code.source and "p.end_2" in code.source and "pi;" in code.source


@needs_octave
def test_errors_before_octave_starts(tmp_path: Path) -> None:
    """Unsupported combinations are refused with a message saying what to do."""
    backend = MatlabBackend()
    system = _delayed_pair()
    model = backend.load(backend.generate(system, CodegenOptions()), tmp_path)
    with pytest.raises(SolverError, match="'dde23' .*MATLAB only"):
        backend.integrate(model, SimulationRequest(0.01, 1e-4, solver="ode45"))
    with pytest.raises(SolverError, match="GNU Octave has no dde23"):
        backend.integrate(model, SimulationRequest(0.01, 1e-4, solver="dde23"))
    with pytest.raises(SolverError, match="shorter than the step size"):
        backend.integrate(model, SimulationRequest(0.01, 2e-3, solver="euler"))
    with pytest.raises(SolverError, match="accepted: none"):
        backend.integrate(model, SimulationRequest(0.01, 1e-4, solver_options={"rtol": 1.0}))
    with pytest.raises(SolverError, match="not a history mode"):
        backend.integrate(model, SimulationRequest(0.01, 1e-4, history="const"))
    with pytest.raises(TypeError, match="option 'rtol' of solver 'ode23'"):
        backend.integrate(model, SimulationRequest(0.01, 1e-4, solver="ode23",
                                                   solver_options={"rtol": "tight"}))
    with pytest.raises(ValueError, match="unknown option 'numba' for the matlab backend"):
        backend.generate(system, CodegenOptions(extra={"numba": True}))


def _zero_history_solution(t: np.ndarray) -> np.ndarray:
    """``x' = -x(t-1)``, ``x(0) = 1``, ``x = 0`` before 0 (method of steps)."""
    return np.where(t <= 1, 1.0, np.where(t <= 2, 2.0 - t, -3 * (t - 2) + (t**2 - 4) / 2))


@needs_octave
@pytest.mark.parametrize("solver, tol", [("euler", 2e-2), ("rk4", 1e-3)])
def test_history_modes(solver: str, tol: float, tmp_path: Path) -> None:
    """history='zero' and 'initial' give their two different analytic solutions."""
    case = testing.delayed_feedback()
    backend = MatlabBackend()
    model = backend.load(backend.generate(case.system, CodegenOptions(solver=solver)), tmp_path)
    for history, exact in (("zero", _zero_history_solution), ("initial", testing.delay_solution)):
        req = SimulationRequest(3.0, 0.01, solver=solver, outputs=case.outputs, history=history)
        res = backend.integrate(model, req)
        assert res.time[0] == 0.0 and res.time.size == 300
        for key in ("x", "y", "z"):  # Past, delayed edge from a state, from an assignment
            assert np.max(np.abs(res.outputs[key][:, 0] - exact(res.time))) < tol, (history, key)
        assert res.final_state[0] == pytest.approx(exact(np.array([3.0]))[0], abs=tol)
    assert abs(_zero_history_solution(np.array([1.5]))[0]
               - testing.delay_solution(np.array([1.5]))[0]) > 0.1


@needs_octave
def test_get_run_func_writes_files_and_evaluates(tmp_path: Path) -> None:
    """get_run_func writes the three files where asked; the function equals numpy's."""
    before = sorted(os.listdir("."))
    target = tmp_path / "export" / "qif_rhs"
    func, args, names, _ = CircuitTemplate.from_yaml(QIF).get_run_func(
        "qif_rhs", file_name=str(target), backend="matlab")
    assert sorted(os.listdir(target.parent)) == ["qif_rhs.m", "qif_rhs_params.m", "qif_rhs_run.m"]
    assert "p/qif_op/eta" in names
    ref, ref_args, _, _ = CircuitTemplate.from_yaml(QIF).get_run_func("qif_rhs", backend="numpy")
    y = np.array([0.3, -1.2])
    assert names[:2] == ("t", "y") and args[0] == 0.0  # 1.x: func(*args) at t = 0
    expected = np.asarray(ref(0.5, y, *ref_args[2:]))
    assert np.max(np.abs(func(0.5, y, *args[2:]) - expected)) < 1e-13
    eta = names.index("p/qif_op/eta")
    changed = list(args)
    changed[eta] = np.asarray(-3.0)
    assert func(0.5, y, *changed[2:])[1] == pytest.approx(expected[1] + 2.0)
    assert sorted(os.listdir(".")) == before


@needs_octave
@pytest.mark.parametrize("history, exact, record", [("zero", _zero_history_solution, True),
                                                    ("initial", testing.delay_solution, False)])
def test_dde23_driver_with_a_stand_in(history: str, exact, record: bool, tmp_path: Path) -> None:
    """The generated dde23 path, run in Octave with a test stand-in for MATLAB's dde23.

    GNU Octave has no dde23; ``tests/octave_stubs`` holds a small Heun-based stand-in with
    the same calling convention (dde23, ddeset, deval), so that the driver's lag mapping,
    the delayed reads from states and assignments and both history modes are exercised.
    """
    case = testing.delayed_feedback()
    backend = MatlabBackend()
    model = backend.load(backend.generate(case.system, CodegenOptions(func_name="dfb")),
                         tmp_path)
    for stub in (Path(__file__).parent / "octave_stubs").glob("*.m"):
        shutil.copy(stub, tmp_path / stub.name)
    job = {"T": 2.5, "dt": 0.01, "solver": "dde23",
           "opts": {"dts": 0.01, "history": history, "record_assign": float(record),
                    "y0": case.system.initial_state(), "rtol": 1e-6, "atol": 1e-9}}
    data = run_driver(model.path.parent, "dfb", job)
    times = data["times"].ravel()
    assert times[0] == 0.0 and times.size == 250
    for col in range(3):  # Past, delayed edge from a state, delayed edge from an assignment
        assert np.max(np.abs(data["Y"][:, col] - exact(times))) < 2e-3
    assert data["yT"].ravel()[0] == pytest.approx(exact(np.array([2.5]))[0], abs=2e-3)
    if not record:
        return
    assigned = struct_fields(data["A"])
    local = model.code.metadata["layout"].locals["a"]
    assert np.max(np.abs(assigned[local][:, 0] - data["Y"][:, 0])) < 1e-12


@needs_octave
def test_divergence_names_the_variable(tmp_path: Path) -> None:
    """x' = x^2 from x(0) = 1 blows up at t = 1: a DivergenceError names x (by its frontend
    path) and a time."""
    from pyrates_core.errors import DivergenceError

    x = sp.Symbol("x")
    system = SystemIR([StateSpec("x", 0, np.ones(1), ["n/op/x"])], [x**2], {}, {}, [])
    backend = MatlabBackend()
    model = backend.load(backend.generate(system, CodegenOptions()), tmp_path)
    with pytest.raises(DivergenceError,
                       match=r"state variable\(s\) n/op/x became non-finite by t ="):
        backend.integrate(model, SimulationRequest(2.0, 0.01, solver="rk4",
                                                   outputs={"x": ("x", np.zeros(1, int))}))


@pytest.mark.parametrize("case", testing.reference_cases(), ids=lambda c: c.name)
def test_no_octave_only_syntax(case: testing.ReferenceCase) -> None:
    """The files are meant for MATLAB too: none of Octave's own syntax outside comments."""
    code = MatlabBackend().generate(case.system, CodegenOptions(func_name="f"))
    octave_only = re.compile(r'"|#|!=|\+=|-=|\+\+|\bend(function|if|for|while|switch)\b|'
                             r"\bprintf\b|\bunwind_protect\b")
    for name, text in {"f.m": code.source, **code.files}.items():
        for line in text.splitlines():
            assert not octave_only.search(line.split("%")[0]), (name, line)
