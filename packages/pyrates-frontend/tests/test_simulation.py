"""Simulating circuits end to end with the NumPy backend, checked against analytic solutions."""

import numpy as np
import pandas as pd
import pytest

from pyrates_core.errors import BackendNotFoundError, SolverError, VariableNotFoundError
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate, integrate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def chain_circuit() -> CircuitTemplate:
    """a: x' = -x, x(0)=1; b: y' = -y + w*x, y(0)=0  =>  y = w t exp(-t)."""
    op = OperatorTemplate("lin", equations="x' = -x + inp", variables={
        "x": "output(0.0)", "inp": "input(0.0)"})
    node = NodeTemplate("lin_node", operators=[op])
    c = CircuitTemplate("chain", nodes={"a": node, "b": node},
                        edges=[("a/lin/x", "b/lin/inp", None, {"weight": 2.0})])
    c.update_var(node_vars={"a/lin/x": 1.0})
    return c


@pytest.mark.parametrize("solver, tol", [("euler", 2e-3), ("heun", 1e-5), ("rk4", 1e-9),
                                         ("scipy", 1e-6)])
def test_edge_coupled_linear_chain_matches_analytic(solver, tol):
    kw = {"method": "RK45", "rtol": 1e-9, "atol": 1e-11} if solver == "scipy" else {}
    res = chain_circuit().run(3.0, 1e-3, outputs={"x": "a/lin/x", "y": "b/lin/x"},
                              solver=solver, sampling_step_size=1e-2, **kw)
    t = res.index.to_numpy()
    # PyRates 1.x rows: t = 0, s, ..., T - s; row 0 is the initial state
    assert t[0] == 0.0 and t[-1] == pytest.approx(3.0 - 1e-2) and len(t) == 300
    assert res["x"].iloc[0] == 1.0 and res["y"].iloc[0] == 0.0
    assert np.max(np.abs(res["x"] - np.exp(-t))) < tol
    assert np.max(np.abs(res["y"] - 2 * t * np.exp(-t))) < 2 * tol


def test_euler_and_heun_orders_through_the_whole_pipeline(model_file):
    def err(solver, dt):
        c = CircuitTemplate.from_yaml(f"{model_file}/decay")
        r = c.run(2.0, dt, outputs={"x": "p/decay_op/x"}, solver=solver)
        t_last = r.index[-1]
        return abs(r["x"].iloc[-1] - np.exp(-0.5 * t_last))

    for solver, order in (("euler", 1), ("heun", 2)):
        observed = np.log2(err(solver, 0.02) / err(solver, 0.01))
        assert observed == pytest.approx(order, abs=0.15)


def test_input_is_applied_at_its_step(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    c.update_var(node_vars={"p/decay_op/k": 0.0, "p/decay_op/x": 0.0})
    dt, n = 0.1, 30
    u = np.zeros(n)
    u[10] = 1.0 / dt
    res = c.run(n * dt, dt, inputs={"p/decay_op/u": u}, outputs={"x": "p/decay_op/x"})
    x = res["x"].to_numpy()
    # row k (t = k*dt) holds x before step k: the pulse of step 10 shows from row 11 on
    assert np.all(x[:11] == 0.0) and x[11] == pytest.approx(1.0) and np.all(x[11:] == x[11])


def test_input_length_and_path_errors(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    with pytest.raises(ValueError, match=r"input 'p/decay_op/u' has 5 rows.*= 10"):
        c.run(1.0, 0.1, inputs={"p/decay_op/u": np.zeros(5)})
    with pytest.raises(VariableNotFoundError, match="input variable 'p/decay_op/k'"):
        c.run(1.0, 0.1, inputs={"p/decay_op/k": np.zeros(10)})


def test_output_errors_and_labels(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    with pytest.raises(VariableNotFoundError, match=r"'a/li_op/rr'.*Did you mean 'a/li_op/r'"):
        c.run(1.0, 0.1, outputs={"r": "a/li_op/rr"})
    res = c.run(1.0, 0.1, outputs={"r": "all/li_op/r"})
    assert isinstance(res.columns, pd.MultiIndex)
    assert list(res["r"].columns) == ["a", "b"]
    assert res.index.name == "time"


def test_unknown_backend_and_solver(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    with pytest.raises(BackendNotFoundError, match="installed: .*numpy"):
        c.run(1.0, 0.1, backend="nonexistent")
    with pytest.raises(SolverError, match="choose one of"):
        c.run(1.0, 0.1, solver="leapfrog")


def test_state_is_remembered_between_runs(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    c.run(1.0, 1e-3, outputs={"x": "p/decay_op/x"}, solver="rk4")
    second = c.run(1.0, 1e-3, outputs={"x": "p/decay_op/x"}, solver="rk4")
    whole = CircuitTemplate.from_yaml(f"{model_file}/decay").run(
        2.0, 1e-3, outputs={"x": "p/decay_op/x"}, solver="rk4")
    # the second run starts at the first one's final state: its row 0 is x(1.0)
    assert second["x"].iloc[0] == pytest.approx(whole["x"].iloc[1000], rel=1e-12)
    assert second["x"].iloc[-1] == pytest.approx(whole["x"].iloc[-1], rel=1e-12)
    assert c.state["p/decay_op/x"] == pytest.approx(np.exp(-0.5 * 2.0), rel=1e-9)


def test_yaml_round_trip_gives_same_trajectory(model_file, tmp_path):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    c.update_var(node_vars={"a/li_op/r": 1.0, "b/li_op/tau": 0.5})
    path = c.to_yaml(tmp_path / "saved.yaml", "saved")
    assert c.to_yaml(tmp_path / "saved.yaml", "saved") == path  # PyRates' own file: replaced
    mine = tmp_path / "mine.yaml"
    mine.write_text("a: 1\n")
    with pytest.raises(FileExistsError, match="not written by PyRates"):
        c.to_yaml(mine, "saved")
    assert mine.read_text() == "a: 1\n"
    loaded = CircuitTemplate.from_yaml(f"{path}/saved")
    kw = {"outputs": {"a": "a/li_op/r", "b": "b/li_op/r"}, "solver": "heun"}
    r1, r2 = c.run(2.0, 1e-2, **kw), loaded.run(2.0, 1e-2, **kw)
    assert np.array_equal(r1.to_numpy(), r2.to_numpy())
    assert r1["b"].abs().max() > 0.1  # the edge did something


def test_vectorized_and_unvectorized_agree():
    c = CircuitTemplate("net", nodes={f"n{i}": chain_circuit().nodes["a"] for i in range(4)})
    w = np.array([[0, 1.0, 0, 0.5], [0.3, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, -1.0, 0]])
    c.add_edges_from_matrix("lin/x", "lin/inp", [f"n{i}" for i in range(4)], weight=w)
    c.update_var(node_vars={"all/lin/x": [1.0, -0.5, 0.25, 2.0]})
    kw = {"outputs": {"x": "all/lin/x"}, "solver": "rk4"}
    a = c.run(1.0, 1e-2, vectorize=True, **kw)
    c.update_var(node_vars={"all/lin/x": [1.0, -0.5, 0.25, 2.0]})
    b = c.run(1.0, 1e-2, vectorize=False, **kw)
    assert np.max(np.abs(a.to_numpy() - b.to_numpy())) < 1e-12


def test_get_run_func_evaluates_the_vector_field(tmp_path):
    c = chain_circuit()
    func, args, names, idx = c.get_run_func("chain_rhs", step_size=1e-3)
    # PyRates 1.x tuple: args start with t and the current state, so func(*args) works
    assert names[:2] == ("t", "y") and args[0] == 0.0 and len(names) == len(args)
    dy0 = np.asarray(func(*args))
    assert dy0[idx["a/lin/x"]] == pytest.approx(-1.0)  # x(0) = 1 in chain_circuit
    y = np.zeros(len(idx))
    y[idx["a/lin/x"]], y[idx["b/lin/x"]] = 0.7, 0.2
    dy = np.asarray(func(0.0, y, *args[2:]))
    assert dy[idx["a/lin/x"]] == pytest.approx(-0.7)
    assert dy[idx["b/lin/x"]] == pytest.approx(-0.2 + 2.0 * 0.7)
    calls = []

    def recording(f, tag):
        calls.append(tag)
        return f

    f2, *_ = c.get_run_func("chain_rhs", step_size=1e-3, decorator=recording,
                            decorator_kwargs={"tag": "yes"}, verbose=False)
    assert calls == ["yes"] and np.allclose(f2(*args), dy0)
    target = tmp_path / "user_rhs.py"
    c.get_run_func("chain_rhs", file_name=str(target), step_size=1e-3)
    assert "def chain_rhs" in target.read_text()
    c.get_run_func("chain_rhs", file_name=str(target), step_size=1e-3)  # our own file: replaced
    mine = tmp_path / "user_own.py"
    mine.write_text("print('my code')\n")
    with pytest.raises(FileExistsError, match="not written by PyRates"):
        c.get_run_func("chain_rhs", file_name=str(mine), step_size=1e-3)
    assert mine.read_text() == "print('my code')\n"


def test_integrate_shortcut_equals_run(model_file):
    a = integrate(f"{model_file}/decay", simulation_time=1.0, step_size=0.01,
                  outputs={"x": "p/decay_op/x"})
    b = CircuitTemplate.from_yaml(f"{model_file}/decay").run(1.0, 0.01,
                                                              outputs={"x": "p/decay_op/x"})
    assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_divergence_is_reported(model_file):
    from pyrates_core.errors import DivergenceError

    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    c.update_var(node_vars={"p/decay_op/k": -2000.0})
    with pytest.raises(DivergenceError, match="x"):
        c.run(100.0, 0.1, outputs={"x": "p/decay_op/x"})
