"""Population benchmarks (issue 16): build time of Wilson-Cowan populations with sparse
per-entry-delayed connectivity, and the run time against the add_edges_from_matrix path.

    .venv/bin/python benchmarks/bench_populations.py [N:k ...]   # units : entries per unit

Per-entry run cost of populations against the same network as explicit nodes connected with
``add_edges_from_matrix`` (the generated code of both is the same since uniform population
constants are scalars): :func:`versus_matrix`.
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


def versus_matrix(n: int = 1000, k: int = 50, steps: int = 10_000, rounds: int = 3) -> None:
    """``steps`` steps of dt 0.1 ms (numba): a population against n explicit nodes connected
    by ``add_edges_from_matrix`` with the same (sparse, delayed) entries; build time of the
    first run, run time the fastest of ``rounds`` further runs each (compiled code, the two
    alternating), per-entry cost = run time / (steps * entries)."""
    node = NodeTemplate.from_yaml(WC)
    w, d = matrices(n, k, seed=1)
    r0 = np.random.default_rng(2).uniform(0, 0.5, n)
    kw = dict(simulation_time=steps * 1e-4, step_size=1e-4, sampling_step_size=1e-2,
              verbose=False, numba=True)
    pop = CircuitTemplate("pop", populations=[PopulationTemplate("e", node, n,
                                                                 params={"rate_op/r": r0})],
                          connections=[Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=d)])
    names = [f"e{i}" for i in range(n)]
    start = time.perf_counter()
    ex = CircuitTemplate("ex", nodes=dict.fromkeys(names, node))
    # before the edges: update_var reads network(), which expands matrix edges one by one
    ex.update_var(node_vars={"all/rate_op/r": r0})  # one path: O(n) (per-node paths: O(n^2))
    ex.add_edges_from_matrix("rate_op/r", "se_op/r_in", names, weight=w,
                             edge_attr={"delay": d}, min_weight=0.0)
    templates = time.perf_counter() - start
    stats: dict[str, dict] = {}
    for k in range(1 + rounds):  # the later rounds run with compiled code; the fastest counts
        for key, c, path in (("pop", pop, "e/rate_op/r"), ("ex", ex, "all/rate_op/r"))[::(
                1 if k % 2 else -1)]:  # alternate which runs first
            c.clear()
            out = c.run(outputs={"r": path}, **kw).to_numpy()
            if key == "pop":
                a = out
            else:
                b = out
            if k == 0:
                stats[key] = dict(c.run_stats)
            else:
                st = dict(c.run_stats, build_time=stats[key]["build_time"])
                if k == 1 or st["run_time"] < stats[key]["run_time"]:
                    stats[key] = st
    per = {key: 1e9 * st["run_time"] / (steps * w.nnz) for key, st in stats.items()}
    print(f"N={n:>6}, {w.nnz:>8} delayed entries, {steps} steps: population build "
          f"{stats['pop']['build_time']:.2f} s run {stats['pop']['run_time']:.2f} s "
          f"({per['pop']:.2f} ns/entry-step) | matrix path: templates {templates:.2f} s build "
          f"{stats['ex']['build_time']:.2f} s run {stats['ex']['run_time']:.2f} s "
          f"({per['ex']:.2f} ns/entry-step) | max difference {np.abs(a - b).max():.1e}")


def versus_explicit(n: int = 1000, k: int = 50) -> None:
    """1 s at dt 0.1 ms (numba) for 1,000 units: :func:`versus_matrix`."""
    versus_matrix(n, k, 10_000)


SIZES = [(1000, 50, 10_000), (10_000, 100, 500), (100_000, 100, 50)]
"""(units, entries per unit, steps) of the population-versus-matrix comparison."""

if __name__ == "__main__":
    args = [tuple(int(x) for x in a.split(":")) for a in sys.argv[1:]]
    build_times(args or [(1000, 10), (10_000, 100), (100_000, 100)])  # type: ignore[arg-type]
    for size in SIZES if not args else [(n, k, max(50, 5 * 10**8 // (n * k)))
                                        for n, k in args]:
        versus_matrix(*size)
