"""Reference circuits and helpers shared by the tests of several backends.

Small QIF circuits (a delayed pair, a random delayed network) built from the model
templates, the JRC template path, and a comparison of two result frames on their common
time points. The torch and TensorFlow test suites import them (sibling packages' tests
cannot import each other); they need the model templates installed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pyrates_frontend.circuit import CircuitTemplate

__all__ = ["JRC", "OUT2", "QIF", "max_diff_common", "qif_network", "qif_pair"]

QIF = "model_templates.neural_mass_models.qif.qif_pop"
"""Template path of one QIF population."""
JRC = "model_templates.neural_mass_models.jansenrit.JRC"
"""Template path of the Jansen-Rit circuit."""
OUT2 = {"r1": "p1/qif_op/r", "r2": "p2/qif_op/r"}
"""Outputs of :func:`qif_pair`: both rates."""


def qif_pair(weight: float = 8.0, tau: float = 1.0, delay: float | None = None,
             r0: float | None = 0.01) -> CircuitTemplate:
    """Two QIF populations, p1 -> p2 with ``weight`` (and ``delay``), p2 -> p1 with 4.

    ``r0 = 0`` makes the delayed history the same in the 'zero' and 'initial' modes;
    ``r0 = None`` keeps the template's initial rates.
    """
    edge: dict = {"weight": weight}
    if delay is not None:
        edge["delay"] = delay
    c = CircuitTemplate("pair", nodes={"p1": QIF, "p2": QIF}, edges=[
        ("p1/qif_op/r", "p2/qif_op/r_in", None, edge),
        ("p2/qif_op/r", "p1/qif_op/r_in", None, {"weight": 4.0})])
    values = {"p1/qif_op/tau": tau, "p1/qif_op/eta": -3.0, "p2/qif_op/eta": -4.0,
              "p2/qif_op/tau": 0.8}
    if r0 is not None:
        values["all/qif_op/r"] = r0
    c.update_var(node_vars=values)
    return c


def qif_network(n: int = 10, seed: int = 3) -> CircuitTemplate:
    """``n`` QIF populations, random weights and delays (some not multiples of 1e-3)."""
    rng = np.random.default_rng(seed)
    nodes = {f"n{i}": QIF for i in range(n)}
    edges = []
    for i in range(n):
        for j in rng.choice(n, 3, replace=False):
            if i != j:
                delay = float(rng.choice([0.0, 0.2, 0.35, 0.1234]))
                attrs = {"weight": float(rng.uniform(0.5, 3.0))}
                if delay:
                    attrs["delay"] = delay
                edges.append((f"n{j}/qif_op/r", f"n{i}/qif_op/r_in", None, attrs))
    c = CircuitTemplate("net", nodes=nodes, edges=edges)
    c.update_var(node_vars={"all/qif_op/r": 0.0,
                            "all/qif_op/eta": list(rng.uniform(-6.0, -3.0, n))})
    return c


def max_diff_common(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    """Largest difference on the time points both frames have, and their number."""
    common = a.index.intersection(b.index)
    diff = np.abs(a.loc[common].to_numpy() - b.loc[common].to_numpy())
    return float(diff.max()), int(common.size)
