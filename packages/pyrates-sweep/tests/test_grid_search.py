"""Proofs for pyrates_sweep.grid_search: every column equals a separate run of its parameters."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from pyrates_core.compile import compile_network
from pyrates_frontend import CircuitTemplate
from pyrates_sweep import __version__, build_grid_circuit, grid_search, linearize_grid

QIF = "model_templates.neural_mass_models.qif.qif"
ETA_MAP = {"eta": {"vars": ["qif_op/eta"], "nodes": ["p"]}}
RUN = {"numba": False}


def qif_fixed_point(eta: float, J: float = 15.0) -> float:
    """The unique firing rate r* > 0 of the QIF mean field (Delta = tau = 1) outside bistability.

    From dr/dt = 0: v = -1/(2 pi r); dv/dt = 0 then gives -pi^2 r^4 + J r^3 + eta r^2
    + 1/(4 pi^2) = 0.
    """
    roots = np.roots([-np.pi**2, J, eta, 0.0, 1.0 / (4 * np.pi**2)])
    rs = [z.real for z in roots if abs(z.imag) < 1e-9 and z.real > 0]
    assert len(rs) == 1
    return rs[0]


def single_run(circuit, values: dict, T: float, dt: float, outputs: dict, edge_vars=None,
               **kw) -> pd.DataFrame:
    c = copy.deepcopy(circuit)
    c.update_var(node_vars=values, edge_vars=edge_vars)
    return c.run(simulation_time=T, step_size=dt, outputs=outputs, **RUN, **kw)


def test_version_is_exported():
    assert __version__ == "0.1.0"


def test_qif_eta_sweep_matches_single_runs_and_fixed_points():
    etas = [-8.0, -3.0, 1.0]
    T, dt = 60.0, 1e-2
    res, table = grid_search(QIF, {"eta": etas}, ETA_MAP, step_size=dt, simulation_time=T,
                             outputs={"r": "p/qif_op/r"}, solver="rk4", sampling_step_size=0.1,
                             **RUN)
    assert list(table.index) == ["p0", "p1", "p2"]
    assert table["eta"].tolist() == etas
    assert list(res.columns) == [("r", "p0"), ("r", "p1"), ("r", "p2")]
    assert res.columns.names == ["output", "param_set"]
    model = CircuitTemplate.from_yaml(QIF)
    for label, eta in zip(table.index, etas, strict=True):
        ref = single_run(model, {"p/qif_op/eta": eta}, T, dt, {"r": "p/qif_op/r"},
                         solver="rk4", sampling_step_size=0.1)
        np.testing.assert_allclose(res[("r", label)].to_numpy(), ref["r"].to_numpy(),
                                   rtol=0, atol=1e-10)
        assert res[("r", label)].iloc[-1] == pytest.approx(qif_fixed_point(eta), rel=1e-3)
    # the sweep did not change the user's model
    assert model.get_var("p/qif_op/eta") == -5.0


def test_param_map_without_nodes_and_template_object_input():
    model = CircuitTemplate.from_yaml(QIF)
    res, _ = grid_search(model, {"eta": [-8.0, 1.0]}, {"eta": {"vars": ["qif_op/eta"]}},
                         step_size=1e-2, simulation_time=2.0, outputs=["p/qif_op/r"], **RUN)
    assert res[("p/qif_op/r", "p0")].iloc[-1] != res[("p/qif_op/r", "p1")].iloc[-1]
    assert model.get_var("p/qif_op/eta") == -5.0


def test_permute_grid_is_the_cartesian_product(pair):
    grid = {"tau": [0.5, 1.0, 2.0], "w": [1.0, 3.0]}
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]},
            "w": {"vars": ["weight"], "edges": [("a/li_op/r", "b/li_op/r_in")]}}
    res, table = grid_search(pair, grid, pmap, step_size=1e-2, simulation_time=1.0,
                             outputs={"b": "b/li_op/r"}, permute_grid=True, **RUN)
    assert table.shape == (6, 2)
    assert list(table.index) == [f"p{i}" for i in range(6)]
    assert list(table.itertuples(index=False, name=None)) == [
        (0.5, 1.0), (0.5, 3.0), (1.0, 1.0), (1.0, 3.0), (2.0, 1.0), (2.0, 3.0)]
    assert list(res.columns.get_level_values("param_set")) == list(table.index)
    # each column is its own parameter set: b is linear in w
    np.testing.assert_allclose(res[("b", "p1")], 3.0 * res[("b", "p0")], rtol=1e-12)
    assert not np.allclose(res[("b", "p0")], res[("b", "p2")])


def test_grid_shape_errors():
    with pytest.raises(ValueError, match="same number of values.*'a': 3, 'b': 2"):
        linearize_grid({"a": [1, 2, 3], "b": [1, 2]})
    assert linearize_grid({"a": [1, 2, 3], "b": [1, 2]}, permute_grid=True).shape == (6, 2)
    df = pd.DataFrame({"a": [1.0, 2.0]}, index=["x", "y"])
    assert list(linearize_grid(df).index) == ["p0", "p1"]
    with pytest.raises(ValueError, match="empty"):
        linearize_grid({"a": []})


def test_unknown_parameters_warn_and_malformed_vars_raise():
    with pytest.warns(UserWarning, match=r"'eta'.*'p/qif_op/etaa'.*changes nothing"):
        grid_search(QIF, {"eta": [1.0]}, {"eta": {"vars": ["qif_op/etaa"], "nodes": ["p"]}},
                    step_size=1e-2, simulation_time=0.1, outputs={"r": "p/qif_op/r"}, **RUN)
    with pytest.warns(UserWarning, match=r"'J'.*'q -> p'"):
        grid_search(QIF, {"J": [1.0]}, {"J": {"vars": ["weight"], "edges": [("q", "p")]}},
                    step_size=1e-2, simulation_time=0.1, outputs={"r": "p/qif_op/r"}, **RUN)
    with pytest.warns(UserWarning, match="'x'.*no entry in param_map"):
        build_grid_circuit(QIF, {"x": [1.0]}, {})
    for bad in ("qif_op/eta/x", ["eta"], 5, []):
        with pytest.raises(ValueError, match=r"param_map\['eta'\]\['vars'\]"):
            build_grid_circuit(QIF, {"eta": [1.0]}, {"eta": {"vars": bad, "nodes": ["p"]}})
    with pytest.raises(ValueError, match=r"param_map\['eta'\] has unknown key"):
        build_grid_circuit(QIF, {"eta": [1.0]}, {"eta": {"var": ["qif_op/eta"]}})


def test_vectorized_equals_unvectorized():
    kw = dict(step_size=1e-2, simulation_time=5.0, outputs={"r": "p/qif_op/r", "v": "p/qif_op/v"},
              **RUN)
    grid = {"eta": [-8.0, -3.0, 1.0, 4.0]}
    a, _ = grid_search(QIF, grid, ETA_MAP, vectorize=True, **kw)
    b, _ = grid_search(QIF, grid, ETA_MAP, vectorize=False, **kw)
    pd.testing.assert_frame_equal(a, b, rtol=0, atol=1e-12)


def test_generated_code_does_not_grow_with_the_grid():
    def compiled(n: int, vectorize: bool = True):
        grid, _ = build_grid_circuit(QIF, {"eta": np.linspace(-5, 5, n)}, ETA_MAP)
        return compile_network(grid.network(), vectorize=vectorize)

    small, big = compiled(2), compiled(20)
    assert len(big.states) == len(small.states) == 2
    assert len(big.assignments) == len(small.assignments)
    assert len(big.edges) == len(small.edges) == 1
    assert set(big.params) == set(small.params)
    assert small.n_state == 4 and big.n_state == 40
    eta = next(p for name, p in big.params.items() if name.startswith("eta"))
    np.testing.assert_allclose(np.ravel(eta.value), np.linspace(-5, 5, 20))
    # the check above can fail: without vectorization every copy has its own states
    assert len(compiled(20, vectorize=False).states) == 40


def test_edge_weight_sweep_matches_single_runs_and_analytics(pair):
    weights = [0.5, 2.0, -1.0]
    T, dt = 2.0, 1e-3
    pmap = {"w": {"vars": ["weight"], "edges": [("a", "b")]}}
    res, table = grid_search(pair, {"w": weights}, pmap, step_size=dt, simulation_time=T,
                             outputs={"b": "b/li_op/r"}, solver="rk4", **RUN)
    t = res.index.to_numpy()
    for label, w in zip(table.index, weights, strict=True):
        ref = single_run(pair, {}, T, dt, {"b": "b/li_op/r"},
                         edge_vars=[("a/li_op/r", "b/li_op/r_in", {"weight": w})], solver="rk4")
        np.testing.assert_allclose(res[("b", label)], ref["b"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(res[("b", label)], w * t * np.exp(-t), atol=1e-9)
    assert pair.edges[0][3]["weight"] == 2.0


def test_edges_inside_sub_circuits(pair):
    outer = CircuitTemplate("outer", circuits={"c": pair})
    pmap = {"w": {"vars": ["weight"], "edges": [("c/a/li_op/r", "c/b/li_op/r_in")]}}
    res, _ = grid_search(outer, {"w": [1.0, 4.0]}, pmap, step_size=1e-2, simulation_time=1.0,
                         outputs={"b": "c/b/li_op/r"}, **RUN)
    np.testing.assert_allclose(res[("b", "p1")], 4.0 * res[("b", "p0")], rtol=1e-12)


def test_inputs_broadcast_and_per_set_and_multi_node_outputs(pair):
    T, dt = 1.0, 1e-2
    n = int(round(T / dt))
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["a"]}}
    grid = {"tau": [1.0, 1.0, 1.0]}
    drive = np.linspace(0.0, 1.0, n)
    per_set = np.stack([drive, 2 * drive, 3 * drive], axis=1)
    outs = {"r": "all/li_op/r"}
    same, _ = grid_search(pair, grid, pmap, dt, T, inputs={"a/li_op/r_in": drive},
                          outputs=outs, **RUN)
    each, _ = grid_search(pair, grid, pmap, dt, T, inputs={"a/li_op/r_in": per_set},
                          outputs=outs, **RUN)
    assert same.columns.names == ["output", "param_set", "node"]
    assert list(same.columns[:2]) == [("r", "p0", "a"), ("r", "p0", "b")]
    for j, label in enumerate(["p0", "p1", "p2"]):
        ref = single_run(pair, {}, T, dt, {"a": "a/li_op/r", "b": "b/li_op/r"},
                         inputs={"a/li_op/r_in": per_set[:, j]})
        np.testing.assert_allclose(each[("r", label, "a")], ref["a"], atol=1e-12)
        np.testing.assert_allclose(each[("r", label, "b")], ref["b"], atol=1e-12)
        np.testing.assert_allclose(same[("r", label, "b")], same[("r", "p0", "b")], atol=0)
    with pytest.raises(ValueError, match="matches 1 variable"):
        grid_search(pair, grid, pmap, dt, T, inputs={"a/li_op/r_in": per_set[:, :2]},
                    outputs=outs, **RUN)


def test_chunks_give_the_same_results():
    kw = dict(step_size=1e-2, simulation_time=2.0, outputs={"r": "p/qif_op/r"}, **RUN)
    grid = {"eta": [-8.0, -3.0, 1.0, 4.0, 6.0]}
    whole, _ = grid_search(QIF, grid, ETA_MAP, **kw)
    parts, _ = grid_search(QIF, grid, ETA_MAP, chunk_size=2, **kw)
    pd.testing.assert_frame_equal(whole, parts)
