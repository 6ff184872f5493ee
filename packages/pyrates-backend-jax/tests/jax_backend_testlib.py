"""Helpers of the jax backend tests: a delayed 10-node QIF network and time-aligned comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pyrates_core.backend import CodegenOptions, LoadedModel
from pyrates_core.registry import get_backend
from pyrates_core.system import SystemIR

QIF_POP = "model_templates.neural_mass_models.qif.qif_pop"
N_NODES = 10


def delayed_network(seed: int = 3, dt: float = 1e-3):
    """10 QIF populations, random sparse coupling r -> r_in with delays.

    Half the delays are multiples of ``dt``, the others are not (interpolated); two edges carry
    a distributed (gamma) delay.
    """
    from pyrates_frontend import CircuitTemplate, NodeTemplate

    rng = np.random.default_rng(seed)
    node = NodeTemplate.from_yaml(QIF_POP)
    names = [f"n{i}" for i in range(N_NODES)]
    weights = (rng.random((N_NODES, N_NODES)) < 0.4) * rng.uniform(2.0, 6.0, (N_NODES, N_NODES))
    np.fill_diagonal(weights, 0.0)
    delays = np.round(rng.uniform(0.2, 1.5, (N_NODES, N_NODES)) / dt) * dt
    delays[:, ::2] += 0.37 * dt  # not on the step grid
    circuit = CircuitTemplate("delayed_qif", nodes={nm: node for nm in names})
    circuit.add_edges_from_matrix("qif_op/r", "qif_op/r_in", names, weight=weights,
                                  edge_attr={"delay": delays})
    circuit.add_edges([("n0/qif_op/r", "n1/qif_op/r_in", None,
                        {"weight": 2.0, "delay": 0.8, "spread": 0.3}),
                       ("n2/qif_op/r", "n3/qif_op/r_in", None,
                        {"weight": 1.5, "delay": 0.5, "spread": 0.2})])
    circuit.update_var(node_vars={"all/qif_op/eta": rng.uniform(-5.0, -1.0, N_NODES)})
    return circuit


def max_diff_by_time(a: pd.DataFrame, b: pd.DataFrame, dt: float) -> tuple[float, int]:
    """Largest difference of two result frames on their common time points (and their count).

    Rows are matched by time value (``round(t / dt)``), not by position, so frames recorded
    with different row conventions compare correctly.
    """
    ka = np.rint(a.index.to_numpy() / dt).astype(np.int64)
    kb = np.rint(b.index.to_numpy() / dt).astype(np.int64)
    common, ia, ib = np.intersect1d(ka, kb, return_indices=True)
    cols = list(a.columns)
    diff = np.abs(a[cols].to_numpy()[ia] - b[cols].to_numpy()[ib])
    return float(diff.max()), int(common.size)


def load(system: SystemIR, tmp: Path, solver: str = "euler", dt: float = 1e-3) -> LoadedModel:
    """Generate and load ``system`` with the jax backend."""
    backend = get_backend("jax")
    code = backend.generate(system, CodegenOptions(solver=solver, step_size=dt))
    return backend.load(code, tmp)
