"""Per-node semantics: every operation in a node's equations means what it means for that node
alone, also when identical nodes are merged into one vector (issue 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.model import NetworkDef, NodeDef, OperatorDef, parse_variable
from pyrates_core.system import SystemIR


def _node(eq: str, variables: dict[str, object]) -> NodeDef:
    parsed = {k: parse_variable(v, k) for k, v in variables.items()}
    return NodeDef({"op": OperatorDef("op", [eq], parsed)}, "n")


def _run(system: SystemIR, tmp: Path, t_end: float = 1.0, dt: float = 1e-3) -> dict:
    backend = NumpyBackend()
    model = backend.load(backend.generate(system, CodegenOptions(extra={"numba": False})), tmp)
    labels = system.labels()
    outputs = {lab: (name, np.array([i])) for lab, (name, i) in labels.items()
               if name in {s.name for s in system.states}}
    res = backend.integrate(model, SimulationRequest(simulation_time=t_end, step_size=dt,
                                                     outputs=outputs))
    return {lab: res.final_state[system.state(outputs[lab][0]).start + outputs[lab][1][0]]
            for lab in outputs}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_reduction_of_a_scalar_stays_in_its_node(tmp_path: Path, reduction: str) -> None:
    """x' = -x + a + mean(x) in two merged nodes: each gives x(t) = 1 + a t (we gave 1.92 and
    5.08 at t = 1 before, the original PyRates gives the same wrong values)."""
    eq = f"x' = -x + a + {reduction}(x)"
    net = NetworkDef({f"n{i}": _node(eq, {"x": "output(1.0)", "a": a})
                      for i, a in enumerate((0.0, 5.0, 0.0, 5.0))})
    system = compile_network(net)
    assert len(system.states) == 1 and system.states[0].size == 4  # still vectorized
    final = _run(system, tmp_path)
    np.testing.assert_allclose([final[f"n{i}/op/x"] for i in range(4)], [1.0, 6.0, 1.0, 6.0],
                               rtol=1e-9)


def test_vector_variable_reduces_within_its_node(tmp_path: Path) -> None:
    """v' = -v + mean(v) for a 3-element v in two nodes: v = m0 + (v0 - m0) exp(-t), m0 the
    node's own mean."""
    inits = (np.array([1.0, 2.0, 6.0]), np.array([-3.0, 0.0, 0.0]))
    net = NetworkDef({f"n{i}": _node("v' = -v + mean(v)", {"v": {"default": v0.tolist(),
                                                                 "vtype": "state_var"}})
                      for i, v0 in enumerate(inits)})
    system = compile_network(net)
    final = _run(system, tmp_path, dt=1e-4)
    for i, v0 in enumerate(inits):
        expected = v0.mean() + (v0 - v0.mean()) * np.exp(-1.0)
        got = [final[f"n{i}/op/v[{k}]"] for k in range(3)]
        np.testing.assert_allclose(got, expected, rtol=1e-3, err_msg=f"node {i}")
