"""Edge-delay sweeps through the delay parameter: one system, one code, one load."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from pyrates_backend_numpy import NumpyBackend
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_sweep import grid_search

RUN = {"numba": False}


def ring10() -> CircuitTemplate:
    """Ten leaky integrators in a delayed ring; n0 starts at 1."""
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    node = NodeTemplate("li", operators=[op])
    names = [f"n{i}" for i in range(10)]
    edges = [(f"{names[i]}/li_op/r", f"{names[(i + 1) % 10]}/li_op/r_in", None,
              {"weight": 0.8, "delay": 0.2 + 0.05 * i}) for i in range(10)]
    ring = CircuitTemplate("ring", nodes=dict.fromkeys(names, node), edges=edges)
    ring.update_var(node_vars={"n0/li_op/r": 1.0})
    return ring


class Counter:
    """Counts NumpyBackend.generate and .load calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.generate = self.load = 0
        gen, load = NumpyBackend.generate, NumpyBackend.load

        def generate(be, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            self.generate += 1
            return gen(be, *a, **kw)

        def loader(be, *a, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
            self.load += 1
            return load(be, *a, **kw)

        monkeypatch.setattr(NumpyBackend, "generate", generate)
        monkeypatch.setattr(NumpyBackend, "load", loader)


def separate(ring: CircuitTemplate, d: float, w: float | None = None) -> np.ndarray:
    """An ordinary run with edge n0 -> n1 set to delay d (and weight w)."""
    c = copy.deepcopy(ring)
    values = {"delay": d} if w is None else {"delay": d, "weight": w}
    c.update_var(edge_vars=[("n0/li_op/r", "n1/li_op/r_in", values)])
    res = c.run(simulation_time=2.0, step_size=1e-2, solver="rk4",
                outputs={f"r{i}": f"n{i}/li_op/r" for i in range(10)}, verbose=False, **RUN)
    return res[[f"r{i}" for i in range(10)]].to_numpy()


def sweep_values(res, label: str) -> np.ndarray:  # noqa: ANN001
    """The (n_samples, 10) trajectories of set ``label``, nodes in order."""
    return np.stack([res["r"][label][f"n{i}"].iloc[:, 0].to_numpy() for i in range(10)], axis=1)


def test_twenty_delays_compile_generate_and_load_once(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = ring10()
    calls = Counter(monkeypatch)
    delays = np.linspace(0.1, 1.0, 20)
    res, table = grid_search(ring, {"d": delays}, {"d": {"vars": ["delay"],
                                                         "edges": [("n0", "n1")]}},
                             1e-2, 2.0, {"r": "all/li_op/r"}, solver="rk4", **RUN)
    info = res.attrs["sweep"]
    assert info["free"] == ["d"] and info["structural"] == []
    assert info["n_compiled"] == 1 and info["n_distinct_code"] == 1
    assert (calls.generate, calls.load) == (1, 1)
    for label in (table.index[0], table.index[7], table.index[-1]):
        got = sweep_values(res, label)
        ref = separate(ring, float(table.loc[label, "d"]))
        assert np.abs(got - ref[:got.shape[0]]).max() <= 1e-12
    first, last = sweep_values(res, table.index[0]), sweep_values(res, table.index[-1])
    assert np.abs(first - last).max() > 1e-3  # the delays matter


def test_delays_and_weights_swept_together_equal_separate_runs() -> None:
    ring = ring10()
    pmap = {"d": {"vars": ["delay"], "edges": [("n0", "n1")]},
            "w": {"vars": ["weight"], "edges": [("n0", "n1")]}}
    grid = {"d": [0.137, 0.6], "w": [0.3, -1.1]}
    res, table = grid_search(ring, grid, pmap, 1e-2, 2.0, {"r": "all/li_op/r"},
                             permute_grid=True, solver="rk4", **RUN)
    assert res.attrs["sweep"]["n_compiled"] == 1
    for label, (d, w) in table.iterrows():
        got = sweep_values(res, label)
        ref = separate(ring, float(d), float(w))
        assert np.abs(got - ref[:got.shape[0]]).max() <= 1e-12


def test_backend_without_delay_params_rebuilds_per_delay(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    ring = ring10()
    monkeypatch.setattr(NumpyBackend, "capabilities",
                        NumpyBackend.capabilities - {"delay_params"})
    res, table = grid_search(ring, {"d": [0.3, 0.55]}, {"d": {"vars": ["delay"],
                                                              "edges": [("n0", "n1")]}},
                             1e-2, 2.0, {"r": "all/li_op/r"}, solver="rk4", **RUN)
    info = res.attrs["sweep"]
    assert info["structural"] == ["d"] and info["n_compiled"] == 2
    for label, d in table["d"].items():
        got = sweep_values(res, label)
        ref = separate(ring, float(d))
        assert np.abs(got - ref[:got.shape[0]]).max() <= 1e-12
