"""The behaviour described by PyRates 1.x's tests/test_backend_simulations.py, NumPy backend.

Our own tests of the same facts: small models of the original test resources
(``model_templates.test_resources.test_backend``, from pyrates-models) integrated with
forward Euler must equal a hand-written Euler loop row for row in the 1.x row convention
(row 0 = initial state, row i+1 from row i, inputs held per step, delayed reads before
t = 0 giving 0); other solvers, input shapes, output wildcards and vectorization agree.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from pyrates import integrate

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.skipif(
        importlib.util.find_spec("pyrates_models.model_templates.test_resources") is None,
        reason="needs the 1.x test resources in pyrates-models (model_templates.test_resources)"),
]

NET = "model_templates.test_resources.test_backend"
DT, T = 0.1, 10.0
N = int(round(T / DT))


def run(net: str, **kw):
    kw.setdefault("step_size", DT)
    kw.setdefault("simulation_time", T)
    return integrate(f"{NET}.{net}", clear=True, verbose=False, **kw)


def euler(update, n_vars: int, steps: int = N) -> np.ndarray:
    """targets[0] = 0; targets[i + 1] = update(i, targets[i])."""
    x = np.zeros((steps, n_vars))
    for i in range(steps - 1):
        x[i + 1] = update(i, x[i])
    return x


def test_operators():
    inp = np.zeros(N) + 0.5
    r = run("net0", outputs={"a": "pop0/op0/a"}, vectorize=False, file_name="net0")
    tgt = euler(lambda i, x: [x[0] + DT * (x[1] + 2.0), x[1] + DT * 0.5 * x[0]], 2)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 1], atol=1e-12)
    r = run("net1", inputs={"pop0/op1/u": inp}, outputs={"a": "pop0/op1/a"}, vectorize=False)
    tgt = euler(lambda i, x: [x[0] + DT * (inp[i] - x[0])], 1)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 0], atol=1e-12)
    r = run("net2", outputs={"a": "pop0/op2/a"}, vectorize=False)
    tgt = euler(lambda i, x: [x[0] + DT * (1 / (1 + np.exp(-x[0])) - x[0])], 1)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 0], atol=1e-12)
    r = run("net3", outputs={"b": "pop0/op3/b"}, inputs={"pop0/op3/u": inp}, vectorize=True)
    tgt = euler(lambda i, x: [x[0] + DT * (-10 * x[0] + x[1] ** 2 + inp[i]),
                              x[1] + DT * 0.1 * x[0]], 2)
    assert np.allclose(r["b"].to_numpy(), tgt[:, 1], atol=1e-12)


def test_nodes():
    r = run("net4", outputs={"a": "pop0/op1/a"})
    tgt = euler(lambda i, x: [x[0] + DT * 2.0, x[1] + DT * (x[0] - x[1])], 2)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 1], atol=1e-12)
    r = run("net5", outputs={"a": "pop0/op5/a"})
    tgt = euler(lambda i, x: [x[0] + DT * 2.0, x[1] - DT * x[1]], 2)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 1], atol=1e-12)
    r = run("net6", outputs={"a": "pop0/op1/a"})
    tgt = euler(lambda i, x: [x[0] + DT * 2.0, x[1] + DT * (4 + np.tanh(0.5)),
                              x[2] + DT * (x[0] + x[1] - x[2])], 3)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 2], atol=1e-12)
    r = run("net7", outputs={"a": "pop0/op1/a", "b": "pop0/op3/b"})
    tgt = euler(lambda i, x: [x[0] + DT * 2.0, x[1] + DT * (x[0] - x[1]),
                              x[2] + DT * (-10 * x[2] + x[3] ** 2 + x[0]),
                              x[3] + DT * 0.1 * x[2]], 4)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 1], atol=1e-12)
    assert np.allclose(r["b"].to_numpy(), tgt[:, 3], atol=1e-12)


def test_edges_delays_and_gamma_kernels():
    r = run("net8", outputs={"a": "pop1/op1/a", "b": "pop2/op1/a"}, vectorize=False)
    tgt = euler(lambda i, x: [x[0] + DT * 0.5 * x[1], x[1] + DT * (x[0] + 2.0),
                              x[2] + DT * (2.0 * x[0] - x[2]),
                              x[3] + DT * (0.5 * x[0] - x[3])], 4)
    assert np.allclose(r["a"].to_numpy(), tgt[:, 2], atol=1e-12)
    assert np.allclose(r["b"].to_numpy(), tgt[:, 3], atol=1e-12)
    inp = np.zeros((N, 1)) + 0.5
    r = run("net9", outputs={"a": "pop0/op1/a", "b": "pop1/op7/a"},
            inputs={"pop1/op7/inp": inp}, vectorize=False)
    tgt = euler(lambda i, x: [x[0] + DT * (0.5 * x[1] - x[0]),
                              x[1] + DT * (2.0 * x[0] + inp[i, 0] - x[1])], 2)
    assert np.allclose(r[["a", "b"]].to_numpy(), tgt, atol=1e-12)
    # delays 0.5 and 1.0; reads before t = 0 give 0 (the 1.x history)
    r = run("net10", outputs={"a": "pop0/op8/a", "b": "pop1/op8/a"}, vectorize=False)
    d0, d1 = int(0.5 / DT), int(1.0 / DT)
    hist: list[np.ndarray] = []

    def delayed(i, x):
        hist.append(x.copy())
        in0 = 0.0 if i < d0 else hist[i - d0][1]
        in1 = 0.0 if i < d1 else hist[i - d1][0]
        return [x[0] + DT * (2.0 + 0.5 * in0), x[1] + DT * (2.0 + 2.0 * in1)]

    tgt = euler(delayed, 2)
    assert np.allclose(r[["a", "b"]].to_numpy(), tgt, atol=1e-9)
    kw = {"outputs": {"a1": "p1/op9/a", "a2": "p2/op10/a"}, "inputs": {"p1/op9/I_ext": inp}}
    a = run("net13", vectorize=False, **kw)
    b = run("net13", vectorize=True, **kw)
    assert np.allclose(a.to_numpy(), b.to_numpy(), atol=1e-12)
    assert np.abs(a.to_numpy()).max() > 0.1


def test_solvers_agree():
    dt, dts, t_end = 1e-3, 1e-1, 20.0
    inp = np.zeros((int(round(t_end / dt)), 1)) + 0.5
    kw = {"outputs": {"a1": "p1/op9/a", "a2": "p2/op10/a"}, "inputs": {"p1/op9/I_ext": inp},
          "vectorize": False, "step_size": dt, "simulation_time": t_end,
          "sampling_step_size": dts}
    r1 = run("net13", solver="euler", **kw)
    r2 = run("net13", solver="scipy", method="RK23", **kw)
    r3 = run("net13", solver="heun", **kw)
    assert len(r1) == len(r2) == len(r3) == 200
    # Euler's O(dt) error: mean deviation 1.1e-4 here; Heun is closer to RK23
    assert abs(np.mean(r1["a2"] - r2["a2"])) < 2e-4
    assert np.max(np.abs(r1["a2"] - r2["a2"])) < 1e-3
    assert abs(np.mean(r3["a2"] - r2["a2"])) < 1e-4  # the original criterion
    assert np.max(np.abs(r3["a2"] - r2["a2"])) < np.max(np.abs(r1["a2"] - r2["a2"]))


def test_inputs_and_outputs_on_hierarchies():
    dt, dts = 1e-3, 1e-1
    inp = np.zeros((int(round(T / dt)), 1)) + 0.5
    kw = {"step_size": dt, "sampling_step_size": dts}
    r1 = run("net13", outputs={"a1": "p1/op9/a"}, inputs={"p1/op9/I_ext": inp}, **kw)
    r2 = run("net13", outputs=["all/op9/a"], inputs={"all/op9/I_ext": inp}, **kw)
    assert np.allclose(r1.to_numpy().ravel(), r2.to_numpy().ravel(), atol=1e-12)
    inp2 = np.zeros((int(round(T / dt)), 1)) + 0.1
    r1 = run("net14", outputs={"a1": "c1/p1/op9/a", "a2": "c1/p2/op10/a",
                               "a3": "c2/p1/op9/a", "a4": "c2/p2/op10/a"},
             inputs={"c1/p1/op9/I_ext": inp, "c1/p2/op10/I_ext": inp2,
                     "c2/p1/op9/I_ext": inp, "c2/p2/op10/I_ext": inp2}, **kw)
    r2 = run("net14", outputs={"a1": "all/all/op9/a", "a2": "all/all/op10/a"},
             inputs={"all/all/op9/I_ext": inp, "all/all/op10/I_ext": inp2}, **kw)
    assert np.allclose(np.sort(r1.to_numpy().ravel()), np.sort(r2.to_numpy().ravel()),
                       atol=1e-12)


def test_input_shapes():
    dt, t_end = 1e-3, 2.0
    base = np.zeros(int(round(t_end / dt))) + 0.5
    kw = {"step_size": dt, "simulation_time": t_end, "outputs": {"a": "p1/op9/a"}}
    r1 = run("net13", inputs={"p1/op9/I_ext": base}, **kw)
    r2 = run("net13", inputs={"p1/op9/I_ext": base[:, None]}, **kw)
    assert np.array_equal(r1.to_numpy(), r2.to_numpy())
    r3 = run("net13", inputs={"p1/op9/I_ext": base}, solver="scipy", **kw)
    assert r3.shape == r1.shape and np.max(np.abs(r3["a"] - r1["a"])) < 1e-3


def test_vectorization_of_delay_coupled_jansen_rit():
    dt, dts, t_end = 1e-4, 1e-2, 0.5
    inp = np.zeros(int(round(t_end / dt))) + 220.0
    kw = {"inputs": {"jrc2/pc/rpo_e_in/u": inp}, "outputs": {"r": "jrc1/ein/rpo_e/v"},
          "solver": "euler", "step_size": dt, "simulation_time": t_end,
          "sampling_step_size": dts, "clear": True, "verbose": False}
    path = "model_templates.neural_mass_models.jansenrit.JRC_2delaycoupled"
    r1 = integrate(path, vectorize=False, **kw)
    r2 = integrate(path, vectorize=True, **kw)
    assert np.max(np.abs(r1.to_numpy() - r2.to_numpy())) < 1e-12


def test_delayed_state_syntax():
    """x' = -x(t - d), d = 0.1, x = 1 at t = 0: linear decay before the delay acts."""
    r = run("net16", step_size=1e-3, simulation_time=0.5, outputs={"x": "p1/op_dde/x"},
            vectorize=False)
    x = r["x"].to_numpy()
    assert x.shape[0] == 500 and x[0] == pytest.approx(1.0)
    assert np.all(np.abs(x) < 5.0)
