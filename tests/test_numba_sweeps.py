"""grid_search through the numba batch equals the pure NumPy sweep, set for set.

The sweep package's own tests run the pure NumPy path (``numba=False``: the sets one after
the other); here the same kinds of sweeps go through the numba batch (the compiled loop, in
threads: reductions, vector-valued states, delays swept with time constants, edge weights,
one input series per set) and must give the pure NumPy numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_sweep import grid_search

pytest.importorskip("numba")


@pytest.fixture
def batch_modes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ``batch_mode`` of every batched integration of the numpy backend."""
    import pyrates_backend_numpy.backend as nb

    seen: list[str] = []
    original = nb.NumpyBackend.integrate

    def integrate(self: Any, model: Any, request: Any) -> Any:
        result = original(self, model, request)
        if "batch" in result.stats:
            seen.append(result.stats["batch_mode"])
        return result

    monkeypatch.setattr(nb.NumpyBackend, "integrate", integrate)
    return seen


def _both(*args: Any, **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    jit, _ = grid_search(*args, numba=True, **kw)
    pure, _ = grid_search(*args, numba=False, **kw)
    return jit, pure


def _li() -> NodeTemplate:
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    return NodeTemplate("li", operators=[op])


def _ring() -> CircuitTemplate:
    labels = [f"n{i}" for i in range(4)]
    edges = [(f"{labels[i]}/li_op/r", f"{labels[(i + 1) % 4]}/li_op/r_in", None,
              {"weight": 0.5 + 0.1 * i, "delay": 0.2 + 0.1 * i}) for i in range(4)]
    ring = CircuitTemplate("ring", nodes=dict.fromkeys(labels, _li()), edges=edges)
    ring.update_var(node_vars={"n0/li_op/r": 1.0})
    return ring


def _assert_equal(jit: pd.DataFrame, pure: pd.DataFrame) -> None:
    assert jit.shape == pure.shape and list(jit.columns) == list(pure.columns)
    np.testing.assert_allclose(jit.to_numpy(), pure.to_numpy(), rtol=1e-12, atol=1e-12)


def test_reductions_and_vector_states(batch_modes: list[str]) -> None:
    """mean() over a node's vector state in each set; sets never mix."""
    op = OperatorTemplate("vop", equations="x' = -x + a + mean(x)",
                          variables={"x": {"default": [0.0, 1.0, 2.0], "vtype": "output"},
                                     "a": 0.0})
    net = CircuitTemplate("vec", nodes={"n1": NodeTemplate("v", operators=[op]),
                                        "n2": NodeTemplate("v", operators=[op])})
    jit, pure = _both(net, {"a": [0.0, 1.0, -2.0, 0.5]}, {"a": {"vars": ["vop/a"],
                                                               "nodes": ["n1"]}},
                      1e-3, 0.5, {"x": "all/vop/x"}, solver="rk4")
    assert batch_modes[0] == "compiled loop" and batch_modes[1] == "loop"
    _assert_equal(jit, pure)
    n2 = jit["x"].xs("n2", axis=1, level=1).to_numpy()
    assert np.ptp(n2.reshape(len(n2), 4, -1), axis=1).max() == 0.0  # n2 is not swept


def test_swept_delays_time_constants_and_weights(batch_modes: list[str]) -> None:
    """Delays (run-time parameters) with time constants and weights, permuted grid."""
    pmap = {"d": {"vars": ["delay"], "edges": [("n0", "n1")]},
            "w": {"vars": ["weight"], "edges": [("n1", "n2")]},
            "tau": {"vars": ["li_op/tau"], "nodes": ["n1"]}}
    grid = {"d": [0.1, 0.35], "w": [0.2, 1.5], "tau": [0.5, 1.0]}
    jit, pure = _both(_ring(), grid, pmap, 1e-2, 2.0, {"r": "all/li_op/r"},
                      permute_grid=True, solver="heun")
    assert batch_modes[0] == "compiled loop"
    _assert_equal(jit, pure)
    assert np.ptp(jit.to_numpy()[-1]) > 1e-3


def test_one_input_series_per_set(batch_modes: list[str]) -> None:
    """An input array with one column per set runs as one batch (batch_inputs)."""
    pair = CircuitTemplate("pair", nodes={"a": _li(), "b": _li()},
                           edges=[("a/li_op/r", "b/li_op/r_in", None, {"weight": 2.0})])
    drive = np.random.default_rng(1).uniform(0.0, 1.0, (100, 3))
    jit, pure = _both(pair, {"tau": [1.0, 0.5, 2.0]}, {"tau": {"vars": ["li_op/tau"],
                                                              "nodes": ["a"]}},
                      1e-2, 1.0, {"r": "all/li_op/r"}, inputs={"a/li_op/r_in": drive})
    assert batch_modes[0] == "compiled loop"
    _assert_equal(jit, pure)
