"""grid_search: every parameter set equals a separate run of the model with its values."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from pyrates_core.errors import VariableNotFoundError
from pyrates_core.registry import get_backend
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_sweep import SweepError, __version__, grid_search, linearize_grid

QIF = "model_templates.neural_mass_models.qif.qif"
ETA_MAP = {"eta": {"vars": ["qif_op/eta"], "nodes": ["p"]}}
RUN = {"numba": False}


def single_run(circuit: CircuitTemplate, T: float, dt: float, outputs: dict,
               node_vars: dict | None = None, edge_vars: list | None = None,
               **kw) -> pd.DataFrame:
    """One ordinary run of a copy of ``circuit`` with the given values."""
    c = copy.deepcopy(circuit)
    c.update_var(node_vars=node_vars or {}, edge_vars=edge_vars or [])
    return c.run(simulation_time=T, step_size=dt, outputs=outputs, **RUN, **kw)


def column(results: pd.DataFrame, key: str, label: str) -> pd.Series:
    """The one column of output ``key`` in parameter set ``label`` (PyRates 1.x access)."""
    return results[key][label].iloc[:, 0]


def assert_same(series: pd.Series, ref: pd.Series, atol: float = 1e-12) -> None:
    """Equal on the common time points (compared by time value, not by row)."""
    t = np.intersect1d(np.round(series.index.to_numpy(), 9), np.round(ref.index.to_numpy(), 9))
    assert t.size >= 0.9 * len(ref)
    a = pd.Series(series.to_numpy(), index=np.round(series.index.to_numpy(), 9)).loc[t]
    b = pd.Series(ref.to_numpy(), index=np.round(ref.index.to_numpy(), 9)).loc[t]
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=atol)


def qif_fixed_point(eta: float, J: float = 15.0) -> float:
    """The firing rate r* > 0 of the QIF mean field (Delta = tau = 1) outside bistability.

    From dr/dt = 0: v = -1/(2 pi r); dv/dt = 0 then gives -pi^2 r^4 + J r^3 + eta r^2
    + 1/(4 pi^2) = 0.
    """
    roots = np.roots([-np.pi**2, J, eta, 0.0, 1.0 / (4 * np.pi**2)])
    rs = [z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0]
    assert len(rs) == 1
    return rs[0]


def test_version_is_exported():
    assert __version__ == "0.1.0"


def test_qif_eta_sweep_layout_single_runs_and_fixed_points():
    etas = [-8.0, -3.0, 1.0]
    T, dt = 40.0, 1e-2
    res, table = grid_search(QIF, {"eta": etas}, ETA_MAP, dt, T, {"r": "p/qif_op/r"},
                             solver="rk4", sampling_step_size=0.1, **RUN)
    assert list(table.index) == ["qif_0", "qif_1", "qif_2"]
    assert table["eta"].tolist() == etas
    assert res.columns.names == ["output", "parameterization", "node", "variable"]
    assert list(res.columns) == [("r", f"qif_{i}", "p", "qif_op/r") for i in range(3)]
    assert res.attrs["sweep"]["n_compiled"] == 1 and res.attrs["sweep"]["free"] == ["eta"]
    model = CircuitTemplate.from_yaml(QIF)
    for label, eta in zip(table.index, etas, strict=True):
        ref = single_run(model, T, dt, {"r": "p/qif_op/r"}, {"p/qif_op/eta": eta},
                         solver="rk4", sampling_step_size=0.1)
        assert_same(column(res, "r", label), ref["r"])
        assert column(res, "r", label).iloc[-1] == pytest.approx(qif_fixed_point(eta), rel=1e-3)
    assert model.get_var("p/qif_op/eta") == -5.0  # the model is not changed


def test_jansen_rit_connectivity_sweep_as_the_1x_gallery():
    """The gallery's C sweep on JRC2 (one node); results[key][label].iloc[:, 0] works."""
    C = [68.0, 128.0, 135.0]
    T, dt = 0.2, 1e-4
    rng = np.random.default_rng(1)
    noise = rng.uniform(120.0, 320.0, size=(int(round(T / dt)), 1))
    outs = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}
    tpl = "model_templates.neural_mass_models.jansenrit.JRC2"
    res, rmap = grid_search(circuit_template=tpl, param_grid={"C": C},
                            param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                            simulation_time=T, step_size=dt, sampling_step_size=1e-3,
                            inputs={"jrc/jrc_op/u": noise}, outputs=outs, backend="default",
                            solver="euler", **RUN)
    model = CircuitTemplate.from_yaml(tpl)
    for key in rmap.sort_values("C").index:
        ref = single_run(model, T, dt, outs, {"jrc/jrc_op/c": rmap.at[key, "C"]},
                         inputs={"jrc/jrc_op/u": noise}, sampling_step_size=1e-3)
        assert_same(column(res, "V_pce", key), ref["V_pce"])
        assert_same(column(res, "V_pci", key), ref["V_pci"])
    # the sets differ (the check above cannot pass by comparing a set with itself)
    assert not np.allclose(column(res, "V_pce", "JRC2_0"), column(res, "V_pce", "JRC2_2"))


def test_permute_grid_is_the_1x_cartesian_product(pair):
    grid = {"tau": [0.5, 1.0, 2.0], "w": [1.0, 3.0]}
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]},
            "w": {"vars": ["weight"], "edges": [("a/li_op/r", "b/li_op/r_in")]}}
    T, dt = 1.0, 1e-2
    res, table = grid_search(pair, grid, pmap, dt, T, {"b": "b/li_op/r"}, permute_grid=True,
                             **RUN)
    # numpy.meshgrid order of PyRates 1.x: the first parameter varies fastest
    assert list(table.itertuples(index=False, name=None)) == [
        (0.5, 1.0), (1.0, 1.0), (2.0, 1.0), (0.5, 3.0), (1.0, 3.0), (2.0, 3.0)]
    assert list(table.index) == [f"pair_{i}" for i in range(6)]
    assert list(res.columns.get_level_values("parameterization")) == list(table.index)
    for label, (tau, w) in table.iterrows():
        ref = single_run(pair, T, dt, {"b": "b/li_op/r"}, {"b/li_op/tau": tau},
                         [("a/li_op/r", "b/li_op/r_in", {"weight": w})])
        assert_same(column(res, "b", label), ref["b"])
    three = linearize_grid({"a": [1, 2], "b": [10, 20, 30], "c": [7, 8]}, permute_grid=True)
    assert three.shape == (12, 3)
    assert list(three.iloc[:4].itertuples(index=False, name=None)) == [
        (1, 10, 7), (1, 10, 8), (2, 10, 7), (2, 10, 8)]
    assert set(three.itertuples(index=False, name=None)) == {
        (a, b, c) for a in (1, 2) for b in (10, 20, 30) for c in (7, 8)}


def test_grid_errors_name_the_problem(pair):
    with pytest.raises(ValueError, match="same number of values.*'a': 3, 'b': 2.*permute_grid"):
        linearize_grid({"a": [1, 2, 3], "b": [1, 2]})
    with pytest.raises(ValueError, match="empty"):
        linearize_grid({"a": []})
    df = pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "y"])
    assert list(linearize_grid(df).index) == ["x", "y"]
    with pytest.raises(VariableNotFoundError, match=r"'eta'.*'p/qif_op/etaa'.*did you mean"):
        grid_search(QIF, {"eta": [1.0]}, {"eta": {"vars": ["qif_op/etaa"], "nodes": ["p"]}},
                    1e-2, 0.1, {"r": "p/qif_op/r"}, **RUN)
    with pytest.raises(VariableNotFoundError, match=r"'eta'.*'q/qif_op/eta'"):
        grid_search(QIF, {"eta": [1.0]}, {"eta": {"vars": ["qif_op/eta"], "nodes": ["q"]}},
                    1e-2, 0.1, {"r": "p/qif_op/r"}, **RUN)
    with pytest.raises(VariableNotFoundError, match=r"'J'.*edge.*'q -> p'"):
        grid_search(QIF, {"J": [1.0]}, {"J": {"vars": ["weight"], "edges": [("q", "p")]}},
                    1e-2, 0.1, {"r": "p/qif_op/r"}, **RUN)
    with pytest.raises(VariableNotFoundError, match="'x' of param_grid has no entry"):
        grid_search(QIF, {"x": [1.0]}, {}, 1e-2, 0.1, **RUN)
    with pytest.raises(ValueError, match=r"param_map\['eta'\] has unknown key"):
        grid_search(QIF, {"eta": [1.0]}, {"eta": {"var": ["qif_op/eta"]}}, 1e-2, 0.1, **RUN)
    for bad in ("qif_op/eta/x", ["eta"], 5, []):
        with pytest.raises(ValueError, match=r"param_map\['eta'\]\['vars'\]"):
            grid_search(QIF, {"eta": [1.0]}, {"eta": {"vars": bad, "nodes": ["p"]}}, 1e-2, 0.1)
    with pytest.raises(TypeError, match="'numbaa'.*did you mean 'numba'"):
        grid_search(pair, {"w": [1.0]}, {"w": {"vars": ["weight"], "edges": [("a", "b")]}},
                    1e-2, 0.1, numbaa=False)
    with pytest.raises(TypeError, match="'method'.*solver.*scipy"):
        grid_search(pair, {"w": [1.0]}, {"w": {"vars": ["weight"], "edges": [("a", "b")]}},
                    1e-2, 0.1, method="RK45")


def test_edge_weight_sweep_matches_analytics_and_single_runs(pair):
    weights = [0.5, 2.0, -1.0]
    T, dt = 2.0, 1e-3
    pmap = {"w": {"vars": ["weight"], "edges": [("a", "b")]}}
    res, table = grid_search(pair, {"w": weights}, pmap, dt, T, {"b": "b/li_op/r"},
                             solver="rk4", **RUN)
    for label, w in zip(table.index, weights, strict=True):
        b = column(res, "b", label)
        t = b.index.to_numpy()
        np.testing.assert_allclose(b.to_numpy(), w * t * np.exp(-t), atol=1e-9)
        ref = single_run(pair, T, dt, {"b": "b/li_op/r"},
                         edge_vars=[("a/li_op/r", "b/li_op/r_in", {"weight": w})], solver="rk4")
        assert_same(b, ref["b"])
    assert pair.edges[0][3]["weight"] == 2.0


def test_sets_do_not_mix_through_reductions():
    """x' = -x + a + mean(x) with one scalar x: x' = a, x(t) = a t in every set."""
    op = OperatorTemplate("m_op", equations="x' = -x + a + mean(x)",
                          variables={"x": "output(0.0)", "a": 0.0})
    node = NodeTemplate("m", operators=[op])
    one = CircuitTemplate("one", nodes={"n": node})
    res, table = grid_search(one, {"a": [0.0, 5.0, -2.0]}, {"a": {"vars": ["m_op/a"]}},
                             1e-3, 1.0, {"x": "n/m_op/x"}, **RUN)
    for label, a in table["a"].items():
        x = column(res, "x", label)
        np.testing.assert_allclose(x.to_numpy(), a * x.index.to_numpy(), atol=1e-12)
    two = CircuitTemplate("two", nodes={"n1": node, "n2": node})
    two.update_var(node_vars={"n2/m_op/a": 1.0})
    res, table = grid_search(two, {"a": [0.0, 5.0]}, {"a": {"vars": ["m_op/a"], "nodes": ["n1"]}},
                             1e-3, 1.0, {"x": "all/m_op/x"}, **RUN)
    assert res["x"]["two_0"].shape[1] == 2
    for label, a in table["a"].items():
        ref = single_run(two, 1.0, 1e-3, {"x1": "n1/m_op/x", "x2": "n2/m_op/x"},
                         {"n1/m_op/a": a})
        assert_same(res["x"][label]["n1"].iloc[:, 0], ref["x1"])
        assert_same(res["x"][label]["n2"].iloc[:, 0], ref["x2"])


def test_delayed_network_weight_sweep_compiles_once(delayed_ring):
    T, dt = 2.0, 1e-2
    pmap = {"w": {"vars": ["weight"], "edges": [("n1", "n2"), ("n3", "n0")]}}
    outs = {"r": "all/li_op/r"}
    res, table = grid_search(delayed_ring, {"w": [0.2, 1.5, -0.7]}, pmap, dt, T, outs,
                             solver="heun", **RUN)
    assert res.attrs["sweep"]["n_compiled"] == 1
    for label, w in table["w"].items():
        ref = single_run(delayed_ring, T, dt, {f"r{i}": f"n{i}/li_op/r" for i in range(4)},
                         edge_vars=[("n1/li_op/r", "n2/li_op/r_in", {"weight": w}),
                                    ("n3/li_op/r", "n0/li_op/r_in", {"weight": w})],
                         solver="heun")
        for i in range(4):
            assert_same(res["r"][label][f"n{i}"].iloc[:, 0], ref[f"r{i}"])
    assert not np.allclose(res["r"]["ring_0"]["n2"], res["r"]["ring_1"]["n2"])


def test_swept_delays_equal_single_runs(delayed_ring):
    T, dt = 2.0, 1e-2
    pmap = {"d": {"vars": ["delay"], "edges": [("n0", "n1")]},
            "tau": {"vars": ["li_op/tau"], "nodes": ["n1"]}}
    grid = {"d": [0.1, 0.35, 0.5], "tau": [0.5, 1.0]}
    res, table = grid_search(delayed_ring, grid, pmap, dt, T, {"r": "n1/li_op/r"},
                             permute_grid=True, solver="rk4", **RUN)
    info = res.attrs["sweep"]
    assert "tau" in info["free"]
    if "d" in info["structural"]:  # delays are not parameters of the IR: one system per delay
        assert info["n_compiled"] == 3
        assert info["n_distinct_code"] == 1  # ... the NumPy backend's code does not change
    else:
        assert info["n_compiled"] == 1
    for label, (d, tau) in table.iterrows():
        ref = single_run(delayed_ring, T, dt, {"r": "n1/li_op/r"}, {"n1/li_op/tau": tau},
                         [("n0/li_op/r", "n1/li_op/r_in", {"delay": d})], solver="rk4")
        assert_same(column(res, "r", label), ref["r"])
    first = column(res, "r", table.index[0])
    assert abs(first.loc[:0.1 - 1e-9]).max() == 0.0  # nothing arrives before the delay
    assert abs(first.loc[0.2:]).max() > 0.0


def test_inputs_broadcast_and_per_set(pair):
    T, dt = 1.0, 1e-2
    n = int(round(T / dt))
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["a"]}}
    grid = {"tau": [1.0, 0.5, 2.0]}
    drive = np.linspace(0.0, 1.0, n)
    per_set = np.stack([drive, 2 * drive, 3 * drive], axis=1)
    outs = {"r": "all/li_op/r"}
    same, _ = grid_search(pair, grid, pmap, dt, T, outs, inputs={"a/li_op/r_in": drive}, **RUN)
    each, table = grid_search(pair, grid, pmap, dt, T, outs, inputs={"a/li_op/r_in": per_set},
                              **RUN)
    # per-set inputs run as one batch (batch_inputs) where the backend can
    assert each.attrs["sweep"]["batched"] == ("batch_inputs" in get_backend(
        each.attrs["sweep"]["backend"]).capabilities)
    assert list(same.columns[:2]) == [("r", "pair_0", "a", "li_op/r"),
                                      ("r", "pair_0", "b", "li_op/r")]
    for j, (label, tau) in enumerate(table["tau"].items()):
        for data, res in ((drive, same), (per_set[:, j], each)):
            ref = single_run(pair, T, dt, {"a": "a/li_op/r", "b": "b/li_op/r"},
                             {"a/li_op/tau": tau}, inputs={"a/li_op/r_in": data})
            assert_same(res["r"][label]["a"].iloc[:, 0], ref["a"])
            assert_same(res["r"][label]["b"].iloc[:, 0], ref["b"])
    with pytest.raises(ValueError, match="matches 1 variable.*3 sets"):
        grid_search(pair, grid, pmap, dt, T, outs, inputs={"a/li_op/r_in": per_set[:, :2]})


def test_vectorize_false_and_chunks_give_the_same_results():
    kw = dict(outputs={"r": "p/qif_op/r", "v": "p/qif_op/v"}, **RUN)
    grid = {"eta": [-8.0, -3.0, 1.0, 4.0, 6.0]}
    whole, _ = grid_search(QIF, grid, ETA_MAP, 1e-2, 3.0, **kw)
    flat, _ = grid_search(QIF, grid, ETA_MAP, 1e-2, 3.0, vectorize=False, **kw)
    parts, _ = grid_search(QIF, grid, ETA_MAP, 1e-2, 3.0, chunk_size=2, **kw)
    tight, _ = grid_search(QIF, grid, ETA_MAP, 1e-2, 3.0, memory_budget="12kB", **kw)
    pd.testing.assert_frame_equal(whole, flat, rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(whole, parts, rtol=0, atol=0)
    pd.testing.assert_frame_equal(whole, tight, rtol=0, atol=0)
    assert parts.attrs["sweep"]["n_chunks"] == 3
    assert tight.attrs["sweep"]["n_chunks"] == 5  # one set: 301 rows x 2 columns x 8 B, twice
    with pytest.raises(ValueError, match="memory_budget"):
        grid_search(QIF, grid, ETA_MAP, 1e-2, 3.0, memory_budget="lots", **kw)


def test_cutoff_and_failing_sets_are_named(pair):
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]}}
    res, _ = grid_search(pair, {"tau": [1.0]}, pmap, 1e-2, 1.0, {"b": "b/li_op/r"},
                         cutoff=0.5, **RUN)
    assert res.index[0] == pytest.approx(0.5)
    with pytest.raises(SweepError, match=r"pair_1 \{'tau': -1e-06\}.*diverged"):
        grid_search(pair, {"tau": [1.0, -1e-6]}, pmap, 1e-2, 1.0, {"b": "b/li_op/r"},
                    chunk_size=1, **RUN)


def test_file_name_is_left_only_with_clear_false(pair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pmap = {"w": {"vars": ["weight"], "edges": [("a", "b")]}}
    kw = dict(outputs={"b": "b/li_op/r"}, **RUN)
    grid_search(pair, {"w": [1.0, 2.0]}, pmap, 1e-2, 0.5, file_name="li_sweep", **kw)
    assert list(tmp_path.iterdir()) == []
    grid_search(pair, {"w": [1.0, 2.0]}, pmap, 1e-2, 0.5, file_name="li_sweep", clear=False,
                **kw)
    assert [p.name for p in tmp_path.iterdir()] == ["li_sweep.py"]
    assert "def vector_field" in (tmp_path / "li_sweep.py").read_text()
    (tmp_path / "li_sweep.py").unlink()


def test_vector_valued_states_with_a_reduction():
    """x' = -x + a + sum(x) for x in R^3: S = sum(x) obeys S' = 2 S + 3 a (S(0) = 3)."""
    op = OperatorTemplate("vop", equations="x' = -x + a + sum(x)",
                          variables={"x": {"default": [0.0, 1.0, 2.0], "vtype": "output"},
                                     "a": 0.0})
    node = NodeTemplate("v", operators=[op])
    net = CircuitTemplate("vec", nodes={"n1": node, "n2": node})
    T, dt = 0.5, 1e-3
    res, table = grid_search(net, {"a": [0.0, 1.0, -2.0]},
                             {"a": {"vars": ["vop/a"], "nodes": ["n1"]}}, dt, T,
                             {"x": "all/vop/x"}, solver="rk4", **RUN)
    assert list(res["x"]["vec_0"].columns) == [(n, f"vop/x[{i}]") for n in ("n1", "n2")
                                                for i in range(3)]
    for label, a in table["a"].items():
        t = res.index.to_numpy()
        s1 = res["x"][label]["n1"].sum(axis=1).to_numpy()
        s2 = res["x"][label]["n2"].sum(axis=1).to_numpy()
        np.testing.assert_allclose(s1, (3.0 + 1.5 * a) * np.exp(2 * t) - 1.5 * a, rtol=1e-9)
        np.testing.assert_allclose(s2, 3.0 * np.exp(2 * t), rtol=1e-9)
        ref = single_run(net, T, dt, {"x": "n1/vop/x"}, {"n1/vop/a": a}, solver="rk4")
        for i in range(3):
            assert_same(res["x"][label]["n1"][f"vop/x[{i}]"], ref.iloc[:, i])


@pytest.mark.parametrize("kw, dtype, tol", [
    ({"solver": "scipy", "method": "RK45", "rtol": 1e-9, "atol": 1e-11}, "float64", 1e-7),
    ({"float_precision": "float32", "solver": "rk4"}, "float32", 1e-5),
    ({"float_precision": "complex128", "solver": "rk4"}, "complex128", 1e-7),
])
def test_adaptive_solver_and_precisions(pair, kw, dtype, tol):
    pmap = {"w": {"vars": ["weight"], "edges": [("a", "b")]}}
    res, table = grid_search(pair, {"w": [1.0, 3.0]}, pmap, 1e-2, 1.0, {"b": "b/li_op/r"},
                             **RUN, **kw)
    assert res.dtypes.iloc[0] == np.dtype(dtype)
    for label, w in table["w"].items():
        b = column(res, "b", label)
        t = b.index.to_numpy()
        np.testing.assert_allclose(b.to_numpy(), w * t * np.exp(-t), atol=tol)
        ref = single_run(pair, 1.0, 1e-2, {"b": "b/li_op/r"},
                         edge_vars=[("a/li_op/r", "b/li_op/r_in", {"weight": w})], **kw)
        assert_same(b, ref["b"], atol=0.0)


def test_distributed_delay_weights_and_spreads(pair):
    """Gamma-kernel edges: weights are free, spreads change the chain order (grouped)."""
    pair.update_var(edge_vars=[("a/li_op/r", "b/li_op/r_in", {"delay": 0.5, "spread": 0.2})])
    grid = {"w": [1.0, -2.0], "s": [0.1, 0.25]}
    pmap = {"w": {"vars": ["weight"], "edges": [("a", "b")]},
            "s": {"vars": ["spread"], "edges": [("a", "b")]}}
    T, dt = 2.0, 1e-3
    res, table = grid_search(pair, grid, pmap, dt, T, {"b": "b/li_op/r"}, permute_grid=True,
                             solver="heun", **RUN)
    info = res.attrs["sweep"]
    assert info["free"] == ["w"] and info["structural"] == ["s"] and info["n_compiled"] == 2
    for label, (w, s) in table.iterrows():
        ref = single_run(pair, T, dt, {"b": "b/li_op/r"}, edge_vars=[
            ("a/li_op/r", "b/li_op/r_in", {"weight": w, "spread": s})], solver="heun")
        assert_same(column(res, "b", label), ref["b"])
    # b is linear in w: the free parameter really reaches the edge
    np.testing.assert_allclose(column(res, "b", "pair_1"), -2.0 * column(res, "b", "pair_0"),
                               rtol=1e-12, atol=1e-15)
