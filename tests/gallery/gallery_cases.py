"""Use cases of the PyRates 1.x documentation gallery, with short simulation times.

Every case makes the same public-API calls as the gallery script it is named after
(``documentation/model_introductions/jansenrit.py`` -> ``jansenrit``...), with shorter
simulation times, and returns its numbers as ``{name: (times, values)}``. The same functions
run under the original PyRates 1.2.3 (``make_reference.py`` writes ``reference.json``) and under
this repository (``test_gallery.py`` compares). Where the original's adaptive solver defaults
differ from ours (``solve_ivp``'s ``rtol=1e-3`` against our ``1e-6``), the cases pass tight
tolerances explicitly, so that both sides solve the same problem to the original's float32
precision.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TIGHT = {"rtol": 1e-8, "atol": 1e-10}
"""solve_ivp tolerances passed explicitly by the scipy cases."""


def _same_grid(inp: np.ndarray, T: float, dt: float) -> np.ndarray:
    return inp


ADAPTIVE_INPUT = _same_grid
"""Applied to every input array of an adaptive-solver run: ``f(inp, T, dt)``. The original
places the rows of such inputs at ``linspace(0, T, n)`` instead of ``t_i = i * dt``; the
tests set this to a resampling that emulates it, to compare everything else exactly."""


def _ai(inp: np.ndarray, T: float, dt: float) -> np.ndarray:
    return ADAPTIVE_INPUT(inp, T, dt)


MAX_ROWS = 150
"""Rows kept per output (every k-th row, k = ceil(n / MAX_ROWS)), plus the last row."""


def _rows(n: int) -> np.ndarray:
    k = max(1, -(-n // MAX_ROWS))
    return np.unique(np.r_[np.arange(0, n, k), n - 1])


def _frame(res: Any, prefix: str = "") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """DataFrame columns -> (time, values) at a subset of rows; tuple column keys are joined
    with '|'. The first time entry is the number of rows of the full result."""
    t = np.asarray(res.index, dtype=float)
    rows = _rows(len(t))
    out = {}
    for col in res.columns:
        key = "|".join(str(c) for c in col) if isinstance(col, tuple) else str(col)
        values = np.asarray(res[col]).squeeze()
        out[prefix + key] = (np.r_[len(t), t[rows]], values[rows])
    return out


def _step_input(T: float, dt: float, start: float, stop: float, amp: float) -> np.ndarray:
    steps = int(np.round(T / dt))
    inp = np.zeros((steps,))
    inp[int(start / dt):int(stop / dt)] = amp
    return inp


def jansenrit() -> dict:
    from pyrates.frontend import CircuitTemplate

    jrc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    res = jrc.run(simulation_time=0.5, step_size=1e-4, sampling_step_size=1e-3,
                  outputs={"V_pce": "pc/rpo_e_in/v", "V_pci": "pc/rpo_i/v"},
                  backend="default", solver="scipy", **TIGHT)
    return _frame(res)


def izhikevich() -> dict:
    from pyrates import CircuitTemplate, integrate

    T, dt = 100.0, 5e-4
    inp = np.zeros((int(np.round(T / dt)),)) + 0.15
    inp[int(40.0 / dt):int(60.0 / dt)] -= 0.15
    res = integrate("model_templates.neural_mass_models.ik.ik_nodim", step_size=dt,
                    simulation_time=T, outputs={"r": "p/ik_nodim_op/r"},
                    inputs={"p/ik_nodim_op/I_ext": _ai(inp, T, dt)}, solver="scipy", clear=True,
                    sampling_step_size=1e-2, **TIGHT)
    ik = CircuitTemplate.from_yaml("model_templates.neural_mass_models.ik.ik_nodim")
    ik.update_var(node_vars={"p/ik_nodim_op/g": 1.5})
    res2 = ik.run(simulation_time=T, step_size=dt, outputs={"r": "p/ik_nodim_op/r"},
                  inputs={"p/ik_nodim_op/I_ext": _ai(inp, T, dt)}, solver="scipy",
                  sampling_step_size=1e-2, clear=True, **TIGHT)
    return {**_frame(res, "g0_"), **_frame(res2, "g15_")}


def kuramoto() -> dict:
    from pyrates import integrate

    T, dt = 1.0, 1e-4
    res = integrate("model_templates.oscillators.kuramoto.kmo_2coupled", step_size=dt,
                    simulation_time=T,
                    outputs={"theta_1": "p1/phase_op/theta", "theta_2": "p2/phase_op/theta"},
                    inputs={"p1/phase_op/s_ext": _step_input(T, dt, 0.2, 0.8, 1.0)}, clear=True)
    T = 10.0
    res2 = integrate("model_templates.oscillators.kuramoto.kmo_mf", step_size=dt,
                     simulation_time=T, outputs={"z": "p/kmo_op/z"},
                     inputs={"p/kmo_op/s_ext": _ai(_step_input(T, dt, 2.5, 7.5, 2.0), T, dt)},
                     clear=True, solver="scipy", float_precision="complex64", **TIGHT)
    return {**_frame(res), **_frame(res2)}


def qif() -> dict:
    from pyrates import integrate

    T, dt = 20.0, 5e-4
    inp = _step_input(T, dt, 5.0, 15.0, 3.0)
    res = integrate("model_templates.neural_mass_models.qif.qif", step_size=dt,
                    simulation_time=T, outputs={"r": "p/qif_op/r"},
                    inputs={"p/qif_op/I_ext": inp}, clear=True)
    res2 = integrate("model_templates.neural_mass_models.qif.qif_sfa", simulation_time=T,
                     step_size=dt, outputs={"r": "p/qif_sfa_op/r"},
                     inputs={"p/qif_sfa_op/I_ext": inp}, clear=True)
    return {**_frame(res, "qif_"), **_frame(res2, "sfa_")}


def stuartlandau() -> dict:
    from pyrates import CircuitTemplate, NodeTemplate, clear, integrate

    T, dt = 20.0, 1e-2
    omega = 2 * np.pi / 12.0
    model = CircuitTemplate.from_yaml("model_templates.oscillators.stuartlandau.sl")
    model.update_var({"p/sl_op/omega": omega})
    r1 = model.run(step_size=dt, simulation_time=T, outputs={"x": "p/sl_op/x"},
                   solver="scipy", method="RK23", **TIGHT)
    clear(model)
    r2 = integrate("model_templates.oscillators.vanderpol.vdp", step_size=dt,
                   simulation_time=T, outputs={"x": "p/vdp_op/x"}, solver="scipy",
                   method="RK23", clear=True, **TIGHT)
    vpo = NodeTemplate.from_yaml("model_templates.oscillators.vanderpol.vdp_pop")
    sl = NodeTemplate.from_yaml("model_templates.oscillators.stuartlandau.sl_pop")
    model = CircuitTemplate(name="vpo_forced", nodes={"vpo": vpo, "sl": sl},
                            edges=[("sl/sl_op/x", "vpo/vdp_op/inp", None, {"weight": 10.0})])
    model.update_var({"sl/sl_op/omega": omega})
    r3 = model.run(step_size=dt, simulation_time=T, outputs={"x": "vpo/vdp_op/x"},
                   solver="scipy", method="RK23", **TIGHT)
    return {**_frame(r1, "sl_"), **_frame(r2, "vdp_"), **_frame(r3, "forced_")}


def theta() -> dict:
    from pyrates import integrate

    T, dt = 20.0, 5e-4
    res = integrate("model_templates.neural_mass_models.theta.kmo_theta", step_size=dt,
                    simulation_time=T, outputs={"z": "p/theta_op/z"},
                    inputs={"p/theta_op/I_ext": _ai(_step_input(T, dt, 5.0, 15.0, 3.0), T, dt)},
                    clear=True, solver="scipy", float_precision="complex64", **TIGHT)
    return _frame(res)


def vanderpol() -> dict:
    from pyrates import CircuitTemplate, clear

    out = {}
    for mu in (0.0, 5.0):
        model = CircuitTemplate.from_yaml("model_templates.oscillators.vanderpol.vdp")
        model.update_var({"p/vdp_op/mu": mu})
        res = model.run(step_size=1e-2, simulation_time=20.0, outputs={"x": "p/vdp_op/x"},
                        solver="scipy", method="RK23", **TIGHT)
        clear(model)
        out.update(_frame(res, f"mu{mu:g}_"))
    return out


def wilsoncowan() -> dict:
    from pyrates.frontend import CircuitTemplate

    wc = CircuitTemplate.from_yaml("model_templates.neural_mass_models.wilsoncowan.WC")
    T, dt = 25.0, 5e-4
    res = wc.run(simulation_time=T, step_size=dt, sampling_step_size=1e-2,
                 outputs={"E": "e/rate_op/r", "I": "i/rate_op/r"},
                 inputs={"e/se_op/r_ext": _step_input(T, dt, 5.0, 20.0, 1.0)},
                 backend="default", solver="euler")
    return _frame(res)


def delay_coupling() -> dict:
    from pyrates import CircuitTemplate, NodeTemplate, clear

    li = NodeTemplate.from_yaml("model_templates.base_templates.tanh_node")
    T, dt, dts = 2.0, 1e-4, 1e-3
    times = np.linspace(0, T, int(np.round(T / dt)))
    inp = 1.0 / (1.0 + np.exp(10.0 * np.sin(2.0 * np.pi * 0.7 * times)))
    variants = {
        "nodelays": ({"weight": 5.0}, {"weight": -5.0}, {}),
        "dde": ({"weight": 5.0, "delay": 0.2}, {"weight": -5.0, "delay": 0.3}, {}),
        "gamma": ({"weight": 5.0, "delay": 0.2, "spread": 0.1},
                  {"weight": -5.0, "delay": 0.3, "spread": 0.2}, {"solver": "scipy", **TIGHT}),
    }
    out = {}
    for name, (e21, e12, kw) in variants.items():
        net = CircuitTemplate(name=name, nodes={"p1": li, "p2": li},
                              edges=[("p1/tanh_op/m", "p2/li_op/m_in", None, e21),
                                     ("p2/tanh_op/m", "p1/li_op/m_in", None, e12)])
        u = _ai(inp, T, dt) if kw else inp
        res = net.run(simulation_time=T, step_size=dt, sampling_step_size=dts, vectorize=True,
                      in_place=False, inputs={"p1/li_op/u": u},
                      outputs={"p1": "p1/li_op/r", "p2": "p2/li_op/r"}, **kw)
        clear(net)
        out.update(_frame(res, f"{name}_"))
    return out


def edge_definitions() -> dict:
    from pyrates import CircuitTemplate, EdgeTemplate, NodeTemplate, OperatorTemplate

    li = NodeTemplate.from_yaml("model_templates.base_templates.li_node")
    tanh_op = OperatorTemplate(name="tanh_op", equations="m = tanh(x)",
                               variables={"m": "output", "x": "input"})
    alpha_op = OperatorTemplate(name="alpha_op",
                                equations=["x' = z/tau", "z' = r_in - (2*z + x)/tau"],
                                variables={"x": "output", "z": "variable", "tau": 10.0,
                                           "r_in": "input"})
    diff_op = OperatorTemplate(name="diff_op",
                               equations=["x' = z/tau", "z' = r_s - r_t - (2*z + x)/tau"],
                               variables={"x": "output", "z": "variable", "tau": 10.0,
                                          "r_s": "input", "r_t": "input"})
    nets = {
        "tanh": (EdgeTemplate(name="tanh_edge", operators=[tanh_op]), {"weight": 5.0}),
        "alpha": (EdgeTemplate(name="alpha_edge", operators=[alpha_op]), {"weight": 1.0}),
        "comb": (EdgeTemplate(name="comb_edge", operators=[alpha_op, tanh_op]),
                 {"weight": 5.0}),
        "diff": (EdgeTemplate(name="diff_edge", operators=[diff_op]),
                 {"weight": 1.0, "diff_edge/diff_op/r_s": "source",
                  "diff_edge/diff_op/r_t": "li2/li_op/r"}),
    }
    T, dt = 20.0, 0.01
    inp = np.linspace(0.0, 10.0, int(T / dt))
    out = {}
    for name, (edge, attrs) in nets.items():
        net = CircuitTemplate(name=f"{name}_net", nodes={"li1": li, "li2": li},
                              edges=[("li1/li_op/r", "li2/li_op/m_in", edge, attrs)])
        res = net.run(T, dt, inputs={"li1/li_op/u": _ai(inp, T, dt)},
                      outputs={"r1": "li1/li_op/r", "r2": "li2/li_op/r"}, solver="scipy",
                      method="RK23", **TIGHT)
        out.update(_frame(res, f"{name}_"))
    return out


def python_definitions() -> dict:
    from copy import deepcopy

    from pyrates.frontend import CircuitTemplate, NodeTemplate, OperatorTemplate

    pro = OperatorTemplate(name="PRO", path=None,
                           equations=["m_out = 2.*m_max / (1 + exp(r*(V_thr - V)))"],
                           variables={"m_out": "output", "V": "input", "V_thr": 6e-3,
                                      "m_max": 2.5, "r": 560.0},
                           description="sigmoidal potential-to-rate operator")
    rpo_e = OperatorTemplate(name="RPO_e", path=None,
                             equations=["d/dt * V = I",
                                        "d/dt * I = H/tau * m_in - 2 * I/tau - V/tau^2"],
                             variables={"V": "output", "I": "variable", "m_in": "input",
                                        "tau": 0.01, "H": 0.00325},
                             description="excitatory rate-to-potential operator")
    ein = NodeTemplate(name="EIN", path=None, operators=[pro, rpo_e])
    iin = NodeTemplate(name="IIN", path=None, operators=[pro, rpo_e])
    rpo_i = deepcopy(rpo_e).update_template(name="RPO_i", path=None,
                                            variables={"H": -0.022, "tau": 0.02})
    pc = NodeTemplate(name="PC", path=None, operators=[pro, rpo_e, rpo_i])
    jrc = CircuitTemplate(name="JRC", nodes={"PC": pc, "EIN": ein, "IIN": iin}, edges=[
        ("PC/PRO/m_out", "IIN/RPO_e/m_in", None, {"weight": 33.75}),
        ("PC/PRO/m_out", "EIN/RPO_e/m_in", None, {"weight": 135.0}),
        ("EIN/PRO/m_out", "PC/RPO_e/m_in", None, {"weight": 108.0}),
        ("IIN/PRO/m_out", "PC/RPO_i/m_in", None, {"weight": 33.75})], path=None)
    res = jrc.run(simulation_time=0.3, step_size=1e-4, sampling_step_size=1e-3,
                  outputs={"V_e": "PC/RPO_e/V", "V_i": "PC/RPO_i/V"}, solver="euler")
    return _frame(res)


def simulations() -> dict:
    from pyrates import integrate
    from pyrates.frontend import CircuitTemplate

    model = "model_templates.neural_mass_models.qif.qif"
    T, dt, dts = 20.0, 1e-3, 1e-2
    out = _frame(integrate(model, simulation_time=T, step_size=dt, sampling_step_size=dts,
                           outputs={"r": "p/qif_op/r"}, clear=True), "default_")
    qif = CircuitTemplate.from_yaml(model)
    qif.update_var(node_vars={"p/qif_op/eta": -2.0})
    kw = {"simulation_time": T, "step_size": dt, "sampling_step_size": dts,
          "outputs": {"r": "p/qif_op/r"}, "clear": True, "in_place": False}
    out.update(_frame(qif.run(**kw), "eta_"))
    inp = np.zeros((int(T / dt),))
    inp[int(5.0 / dt):int(15.0 / dt)] = -3.0
    out.update(_frame(qif.run(**kw, inputs={"p/qif_op/I_ext": inp}, solver="heun"), "heun_"))
    out.update(_frame(qif.run(**kw, inputs={"p/qif_op/I_ext": _ai(inp, T, dt)}, solver="scipy",
                              method="RK23", **TIGHT), "rk23_"))
    from scipy.integrate import solve_ivp

    from pyrates import clear_frontend_caches

    clear_frontend_caches()
    func, args, _, idx = qif.get_run_func(func_name="f", file_name="qif_eval", step_size=dt,
                                          inputs={"p/qif_op/I_ext": _ai(inp, T, dt)},
                                          backend="default", solver="scipy", clear=False,
                                          in_place=True)
    with open("qif_eval.py") as f:
        assert "def f(" in f.read()
    t0, y0, *func_args = args
    t_eval = np.arange(0.0, T - dt / 2, 0.1)
    results = solve_ivp(func, (t0, T), y0, args=tuple(func_args), t_eval=t_eval, **TIGHT)
    r_idx = idx["p/qif_op/r"]
    r_idx = r_idx[0] if isinstance(r_idx, (tuple, list)) else r_idx
    out["run_func_r"] = (np.r_[len(t_eval), t_eval], results.y[int(r_idx)])
    qif.clear()
    clear_frontend_caches()
    return out


def runtime() -> dict:
    from pyrates import CircuitTemplate, NodeTemplate, clear

    li = NodeTemplate.from_yaml("model_templates.base_templates.tanh_node")
    n = 5
    nodes = [f"p{i}" for i in range(n)]
    net = CircuitTemplate(name="li_coupled", nodes={key: li for key in nodes})
    c = np.random.default_rng(1).uniform(low=-10.0, high=10.0, size=(n, n))
    net.add_edges_from_matrix(source_var="tanh_op/m", target_var="li_op/m_in",
                              source_nodes=nodes, weight=c)
    out = {}
    for vec in (False, True):
        func, args, _, idx = net.get_run_func(func_name="li_eval", file_name="li_eval_x",
                                              step_size=1e-3, in_place=False, vectorize=vec)
        dy = np.asarray(func(*args), dtype=float)
        y = np.asarray(args[1], dtype=float)
        clear(net)
        # the state is all zero initially; compare a non-trivial point: y = 0.1 * (k + 1)
        y1 = 0.1 * (np.arange(y.size) + 1.0)
        dy1 = np.asarray(func(args[0], y1.astype(args[1].dtype), *args[2:]), dtype=float)
        out[f"vec{vec}_sorted_dy0"] = (np.arange(dy.size, dtype=float), np.sort(dy))
        out[f"vec{vec}_sorted_dy1"] = (np.arange(dy.size, dtype=float), np.sort(dy1))
    return out


def optimization() -> dict:
    from pyrates.frontend import CircuitTemplate

    model_template = "model_templates.neural_mass_models.jansenrit.JRC2"
    model_param = "jrc/jrc_op/c"
    output = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}

    def loss(data, min_amp=6e-3, max_amp=10e-3):
        data = data.loc[:, "V_pce"] - data.loc[:, "V_pci"]
        bounds = np.asarray([np.min(data), np.max(data)]).squeeze()
        diff = bounds - np.asarray([min_amp, max_amp])
        return diff @ diff.T

    T, dt = 1.5, 1e-4
    kwargs = {"sampling_step_size": 1e-3, "solver": "scipy", "backend": "default",
              "cutoff": 0.5, **TIGHT}
    out = {}
    for c in (80.0, 135.0):
        jrc = CircuitTemplate.from_yaml(model_template)
        jrc.update_var({model_param: c})
        data = jrc.run(outputs=output, simulation_time=T, step_size=dt, clear=True,
                       verbose=False, **kwargs)
        out[f"loss_{c:g}"] = (np.zeros(1), np.asarray([loss(data)]))
        out.update(_frame(data, f"c{c:g}_"))
    return out


def parameter_sweeps() -> dict:
    from pyrates import grid_search

    param_grid = {"C": [68.0, 135.0, 675.0]}
    param_map = {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
    T, dt = 1.0, 1e-4
    noise = np.random.default_rng(2).uniform(120.0, 320.0,
                                             size=(int(np.round(T / dt, decimals=0)), 1))
    results, results_map = grid_search(
        circuit_template="model_templates.neural_mass_models.jansenrit.JRC2",
        param_grid=param_grid, param_map=param_map, simulation_time=T, step_size=dt,
        sampling_step_size=1e-3, inputs={"jrc/jrc_op/u": noise},
        outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}, backend="default",
        solver="euler", cutoff=0.5)
    out = {}
    for key in results_map.index:
        c = results_map.loc[key, "C"]
        psp_e = results["V_pce"][key].iloc[:, 0]
        psp_i = results["V_pci"][key].iloc[:, 0]
        out[f"C{c:g}"] = (np.asarray(psp_e.index, dtype=float),
                          np.asarray(psp_e - psp_i, dtype=float))
    return out


def entrainment() -> dict:
    from pyrates import CircuitTemplate, NodeTemplate

    vpo = NodeTemplate.from_yaml("model_templates.oscillators.vanderpol.vdp_pop")
    ko = NodeTemplate.from_yaml("model_templates.oscillators.kuramoto.sin_pop")
    net = CircuitTemplate(name="VPO_forced", nodes={"VPO": vpo, "KO": ko},
                          edges=[("KO/sin_op/s", "VPO/vdp_op/inp", None, {"weight": 1.0})])
    net.update_var(node_vars={"KO/phase_op/omega": 0.5, "VPO/vdp_op/mu": 2.0})
    res = net.run(simulation_time=30.0, step_size=1e-3, solver="scipy", method="DOP853",
                  outputs={"VPO": "VPO/vdp_op/x", "KO": "KO/phase_op/theta"}, in_place=False,
                  cutoff=10.0, sampling_step_size=1e-2, **TIGHT)
    return _frame(res)


def entrainment_sweep() -> dict:
    import os

    from pyrates import CircuitTemplate, NodeTemplate, grid_search

    vpo = NodeTemplate.from_yaml("model_templates.oscillators.vanderpol.vdp_pop")
    ko = NodeTemplate.from_yaml("model_templates.oscillators.kuramoto.sin_pop")
    net = CircuitTemplate(name="VPO_forced", nodes={"VPO": vpo, "KO": ko},
                          edges=[("KO/sin_op/s", "VPO/vdp_op/inp", None, {"weight": 1.0})])
    net.update_var(node_vars={"KO/phase_op/omega": 0.5, "VPO/vdp_op/mu": 2.0})
    params = {"omega": np.linspace(0.3, 0.5, num=2), "J": np.linspace(0.0, 2.0, num=2)}
    param_map = {"omega": {"vars": ["phase_op/omega"], "nodes": ["KO"]},
                 "J": {"vars": ["weight"], "edges": [("KO/sin_op/s", "VPO/vdp_op/inp")]}}
    results, res_map = grid_search(
        circuit_template=net, param_grid=params, param_map=param_map, simulation_time=20.0,
        step_size=1e-3, solver="scipy", method="DOP853",
        outputs={"VPO": "VPO/vdp_op/x", "KO": "KO/phase_op/theta"}, inputs=None,
        vectorize=True, clear=False, file_name="vpo_forced", permute_grid=True, cutoff=5.0,
        sampling_step_size=1e-2, **TIGHT)
    with open("vpo_forced.py") as f:
        assert f.read()
    os.remove("vpo_forced.py")
    out = {}
    for key in res_map.index:
        om, j = res_map.at[key, "omega"], res_map.at[key, "J"]
        vpo_x = results["VPO"][key].squeeze()
        out[f"om{om:.2f}_J{j:.1f}"] = (np.r_[len(vpo_x), np.asarray(vpo_x.index, dtype=float)],
                                       np.asarray(vpo_x, dtype=float))
    return out


CASES = {f.__name__: f for f in (
    jansenrit, izhikevich, kuramoto, qif, stuartlandau, theta, vanderpol, wilsoncowan,
    delay_coupling, edge_definitions, python_definitions, simulations, runtime, optimization,
    parameter_sweeps, entrainment, entrainment_sweep)}
"""Case name -> function; the name is the gallery script's file name."""
