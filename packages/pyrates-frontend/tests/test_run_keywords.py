"""The keywords of run/get_run_func as in PyRates 1.x: cutoff, history, option checks, inputs."""

import numpy as np
import pytest

from pyrates_core.errors import SolverError
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate, integrate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def decay(model_file) -> CircuitTemplate:
    return CircuitTemplate.from_yaml(f"{model_file}/decay")


def test_cutoff_drops_the_rows_before_it_and_keeps_time_as_index(model_file):
    full = decay(model_file).run(2.0, 0.01, outputs={"x": "p/decay_op/x"}, verbose=False)
    cut = decay(model_file).run(2.0, 0.01, outputs={"x": "p/decay_op/x"}, cutoff=0.5,
                                verbose=False)
    assert len(full) == 200 and len(cut) == 150
    assert cut.index[0] == pytest.approx(0.5)
    assert np.array_equal(cut["x"].to_numpy(), full["x"].to_numpy()[50:])
    with pytest.raises(ValueError, match="cutoff"):
        decay(model_file).run(1.0, 0.01, cutoff=1.5, verbose=False)


def test_unknown_keywords_are_errors_with_a_suggestion(model_file):
    c = decay(model_file)
    with pytest.raises(TypeError, match=r"'sampling_stepsize'.*Did you mean 'sampling_step_size'"):
        c.run(1.0, 0.01, sampling_stepsize=0.1, verbose=False)
    with pytest.raises(TypeError, match=r"'numbaa'.*Did you mean 'numba'"):
        c.run(1.0, 0.01, numbaa=False, verbose=False)
    with pytest.raises(TypeError, match=r"'method' applies to solver\(s\) 'scipy'.*'euler'"):
        c.run(1.0, 0.01, method="RK45", verbose=False)
    with pytest.raises(ValueError, match="method"):
        c.run(1.0, 0.01, solver="scipy", method="RK4", verbose=False)
    with pytest.raises(SolverError, match=r"Did you mean 'heun'"):
        c.run(1.0, 0.01, solver="huen", verbose=False)
    with pytest.raises(ValueError, match="history"):
        c.run(1.0, 0.01, history="constant", verbose=False)
    with pytest.raises(ValueError, match="float_precision"):
        c.run(1.0, 0.01, float_precision="float16", verbose=False)
    with pytest.raises(TypeError, match="'methd'"):
        c.get_run_func("f", 0.01, methd="RK45", verbose=False)


def test_solver_options_reach_the_solver(model_file):
    loose = decay(model_file).run(2.0, 0.1, outputs={"x": "p/decay_op/x"}, solver="scipy",
                                  rtol=1e-2, atol=1e-2, verbose=False)
    tight = decay(model_file).run(2.0, 0.1, outputs={"x": "p/decay_op/x"}, solver="scipy",
                                  method="DOP853", rtol=1e-10, atol=1e-12, verbose=False)
    t = tight.index.to_numpy()
    exact = np.exp(-0.5 * t)
    assert np.max(np.abs(tight["x"] - exact)) < 1e-8
    assert np.max(np.abs(loose["x"] - exact)) > 1e-6


def test_default_backend_names_and_positional_order_of_1x(model_file):
    # run(simulation_time, step_size, inputs, outputs, sampling_step_size, cutoff, solver, backend)
    a = decay(model_file).run(1.0, 0.01, None, {"x": "p/decay_op/x"}, 0.1, 0.0, "heun",
                              "default", verbose=False)
    b = decay(model_file).run(1.0, 0.01, outputs={"x": "p/decay_op/x"}, solver="heun",
                              sampling_step_size=0.1, backend=None, verbose=False)
    assert len(a) == 10 and np.array_equal(a.to_numpy(), b.to_numpy())


def test_column_input_broadcasts_to_every_matched_node(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    n = 100
    u = np.ones((n, 1))
    res = c.run(1.0, 0.01, inputs={"all/li_op/r_in": u}, outputs={"r": "all/li_op/r"},
                verbose=False)
    c2 = CircuitTemplate.from_yaml(f"{model_file}/pair")
    res2 = c2.run(1.0, 0.01, inputs={"all/li_op/r_in": np.ones((n, 2))},
                  outputs={"r": "all/li_op/r"}, verbose=False)
    assert np.array_equal(res.to_numpy(), res2.to_numpy())
    # a: r' = -r + 1 (Euler), so r rises; b also gets 2*r_a
    assert res["r"]["a"].iloc[-1] > 0.5 and res["r"]["b"].iloc[-1] > res["r"]["a"].iloc[-1]
    with pytest.raises(ValueError, match=r"\(100, 1\)"):
        c.run(1.0, 0.01, inputs={"all/li_op/r_in": np.ones((n, 3))}, verbose=False)


def test_delay_history_zero_by_default_and_initial_on_request():
    op = OperatorTemplate("li", equations="x' = -x/tau + x_in",
                          variables={"x": "output(0.1)", "x_in": "input(0.0)", "tau": 1e6})
    node = NodeTemplate("n", operators=[op])

    def net():
        return CircuitTemplate("d", nodes={"a": node, "b": node},
                               edges=[("a/li/x", "b/li/x_in", None,
                                       {"weight": 1.0, "delay": 0.5})])

    kw = {"outputs": {"b": "b/li/x"}, "verbose": False}
    zero = net().run(1.0, 0.01, **kw)["b"]
    init = net().run(1.0, 0.01, history="initial", **kw)["b"]
    t = zero.index.to_numpy()
    # history 'zero': nothing arrives before t = 0.5, then b grows by 0.1 per time unit
    before = t < 0.5 - 1e-9
    assert np.allclose(zero[before], 0.1, atol=1e-9)
    assert zero.iloc[-1] == pytest.approx(0.1 + 0.1 * (t[-1] - 0.5), rel=1e-3)
    # history 'initial': a's initial value 0.1 arrives from t = 0 on
    assert init.iloc[-1] == pytest.approx(0.1 + 0.1 * t[-1], rel=1e-3)


def test_complex_precision_runs_complex(model_file):
    op = OperatorTemplate("rot", equations="z' = (1.0j*w - g)*z",
                          variables={"z": "output(1.0)", "w": 2.0, "g": 0.1})
    c = CircuitTemplate("rot", nodes={"p": NodeTemplate("n", operators=[op])})
    for precision, dtype in (("complex64", np.complex64), ("complex128", np.complex128)):
        res = c.update_template().run(1.0, 1e-3, outputs={"z": "p/rot/z"}, solver="rk4",
                                      float_precision=precision, verbose=False)
        t = res.index.to_numpy()
        exact = np.exp((2.0j - 0.1) * t)
        assert res["z"].dtype == dtype
        tol = 1e-5 if precision == "complex64" else 1e-10
        assert np.max(np.abs(res["z"].to_numpy() - exact)) < tol


def test_integrate_takes_a_template_or_a_path(model_file):
    a = integrate(decay(model_file), simulation_time=1.0, step_size=0.01,
                  outputs={"x": "p/decay_op/x"}, verbose=False)
    b = integrate(f"{model_file}/decay", simulation_time=1.0, step_size=0.01,
                  outputs={"x": "p/decay_op/x"}, verbose=False, clear=True)
    assert np.array_equal(a.to_numpy(), b.to_numpy())
    with pytest.raises(TypeError, match="template path or a CircuitTemplate"):
        integrate(3.0, simulation_time=1.0, step_size=0.01)


def test_file_name_with_clear_false_keeps_the_module(model_file, tmp_path):
    target = tmp_path / "kept_model"
    decay(model_file).run(0.1, 0.01, file_name=str(target), clear=False, verbose=False)
    assert (tmp_path / "kept_model.py").exists()
    decay(model_file).run(0.1, 0.01, file_name="named_but_cleared", verbose=False)
    # (the autouse fixture checks that nothing was left in the working directory)


def test_verbose_prints_progress(model_file, capsys):
    decay(model_file).run(0.1, 0.01)
    assert "Simulation Progress" in capsys.readouterr().out
    decay(model_file).run(0.1, 0.01, verbose=False)
    assert capsys.readouterr().out == ""


def test_get_run_func_with_inputs_follows_the_time_series(model_file):
    from scipy.integrate import solve_ivp

    dt, n = 0.01, 300
    u = np.zeros(n)
    u[100:200] = 2.0
    c = decay(model_file)
    func, args, names, idx = c.get_run_func("f", dt, inputs={"p/decay_op/u": u},
                                            solver="scipy", verbose=False)
    t0, y0, *params = args
    times = np.arange(n) * dt
    sol = solve_ivp(func, (t0, times[-1]), y0, args=tuple(params), t_eval=times, rtol=1e-10,
                    atol=1e-12, max_step=dt)
    ref = decay(model_file).run(n * dt, dt, inputs={"p/decay_op/u": u},
                                outputs={"x": "p/decay_op/x"}, solver="scipy", rtol=1e-10,
                                atol=1e-12, max_step=dt, verbose=False)
    assert np.max(np.abs(sol.y[idx["p/decay_op/x"]] - ref["x"].to_numpy())) < 1e-8
    # the input acted: x is pushed up during the pulse
    assert sol.y[0, 199] > sol.y[0, 99] * np.exp(-0.5) + 1.0
    # fixed-step: row i is held on [t_i, t_i+1)
    f_euler, a_euler, *_ = c.get_run_func("g", dt, inputs={"p/decay_op/u": u}, verbose=False)
    y = np.array([0.0])
    assert f_euler(1.005, y, *a_euler[2:])[0] == pytest.approx(2.0)
    assert f_euler(0.995, y, *a_euler[2:])[0] == pytest.approx(0.0)


def test_get_run_func_with_numbas_njit_as_decorator(model_file):
    numba = pytest.importorskip("numba", reason="numba is an optional extra")
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    plain, args, *_ = c.get_run_func("f", 0.01, verbose=False)
    jitted, args2, *_ = c.get_run_func("f", 0.01, verbose=False, numba=True,
                                       decorator=numba.njit)
    y = np.array([0.3, -0.2])
    assert np.allclose(jitted(0.0, y, *args2[2:]), plain(0.0, y, *args[2:]), atol=1e-14)


def test_list_outputs_give_one_column_per_matched_path(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    res = c.run(0.5, 0.1, outputs=["all/li_op/r"], verbose=False)
    assert list(res.columns) == ["a/li_op/r", "b/li_op/r"]
    one = c.run(0.5, 0.1, outputs="a/li_op/r", verbose=False)
    assert list(one.columns) == ["a/li_op/r"]
    with pytest.raises(Exception, match="Did you mean"):
        c.run(0.5, 0.1, outputs=["a/li_op/rr"], verbose=False)


def test_get_run_func_names_parameters_and_inputs_by_path(model_file):
    func, args, names, idx = decay(model_file).get_run_func("f", 0.1, vectorize=False,
                                                            verbose=False)
    assert "p/decay_op/k" in names and "p/decay_op/u" in names
    assert args[names.index("p/decay_op/k")] == pytest.approx(0.5)
    assert idx == {"p/decay_op/x": 0}
