"""Population benchmarks (issue 16): build time of Wilson-Cowan populations with sparse
per-entry-delayed connectivity, and the run time against the add_edges_from_matrix path.

    .venv/bin/python benchmarks/bench_populations.py [N:k ...]   # units : entries per unit
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sps

from pyrates_frontend import CircuitTemplate, Connectivity, NodeTemplate, PopulationTemplate

WC = "model_templates.neural_mass_models.wilsoncowan.exc_pop"


def matrices(n: int, k: int, seed: int = 0) -> tuple[sps.csr_matrix, sps.csr_matrix]:
    """Random weights with k entries per row and delays in [1, 5] ms at the same entries."""
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n), k)
    cols = rng.integers(0, n, n * k)
    w = sps.csr_matrix((rng.normal(0, 1 / np.sqrt(k), n * k), (rows, cols)), shape=(n, n))
    d = w.copy()
    d.data = rng.uniform(1e-3, 5e-3, d.nnz).round(3)
    return w, d


def build_times(sizes: list[tuple[int, int]]) -> None:
    """``run_stats['build_time']`` of a 10-step run for each (units, entries per unit)."""
    node = NodeTemplate.from_yaml(WC)
    for n, k in sizes:
        w, d = matrices(n, k)
        c = CircuitTemplate("wc", populations=[PopulationTemplate("e", node, n)],
                            connections=[Connectivity("e/rate_op/r", "e/se_op/r_in", w,
                                                      delays=d)])
        start = time.perf_counter()
        c.run(0.01, 1e-3, outputs={"r": "e/rate_op/r"}, verbose=False, numba=False)
        total = time.perf_counter() - start
        st = c.run_stats
        print(f"N={n:>7} entries={w.nnz:>9}: build {st['build_time']:.2f} s, run() total "
              f"{total:.2f} s")


def versus_explicit(n: int = 1000, k: int = 50) -> None:
    """1 s at dt 0.1 ms (numba): a population against n explicit nodes with the same edges."""
    node = NodeTemplate.from_yaml(WC)
    w, d = matrices(n, k, seed=1)
    r0 = np.random.default_rng(2).uniform(0, 0.5, n)
    kw = dict(simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-2, verbose=False,
              numba=True)
    pop = CircuitTemplate("pop", populations=[PopulationTemplate("e", node, n,
                                                                 params={"rate_op/r": r0})],
                          connections=[Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=d)])
    names = [f"e{i}" for i in range(n)]
    start = time.perf_counter()
    ex = CircuitTemplate("ex", nodes=dict.fromkeys(names, node))
    ex.add_edges_from_matrix("rate_op/r", "se_op/r_in", names, weight=w.toarray(),
                             edge_attr={"delay": d.toarray()})
    ex.update_var(node_vars={f"{nm}/rate_op/r": v for nm, v in zip(names, r0)})
    templates = time.perf_counter() - start
    for _ in range(2):  # the second round runs with compiled code
        ex.clear()
        pop.clear()
        a = pop.run(outputs={"r": "e/rate_op/r"}, **kw).to_numpy()
        b = ex.run(outputs={"r": "all/rate_op/r"}, **kw).to_numpy()
    print(f"N={n}, {w.nnz} delayed entries: population build {pop.run_stats['build_time']:.2f} s"
          f" run {pop.run_stats['run_time']:.2f} s | explicit templates {templates:.2f} s build "
          f"{ex.run_stats['build_time']:.2f} s run {ex.run_stats['run_time']:.2f} s | max "
          f"difference {np.abs(a - b).max():.1e}")


if __name__ == "__main__":
    args = [tuple(int(x) for x in a.split(":")) for a in sys.argv[1:]]
    build_times(args or [(1000, 10), (10_000, 100), (100_000, 100)])  # type: ignore[arg-type]
    versus_explicit()
