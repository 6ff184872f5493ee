"""W1 benchmark: Wilson–Cowan network on the 80-region connectome, delays, Euler, 10 s.

Prints build time (parsing, vectorization, code generation), compile time (import / JIT;
of the first run) and the best run time of ``--repeat`` runs for the generated pure-NumPy
and numba paths, next to a hand-written numba loop of the same model, and checks that all
three give the same trajectory. Set ``PYRATES_CACHE_DIR=off`` to measure cold compiles.

    .venv/bin/python benchmarks/bench_w1.py [--seconds 10] [--scale 1000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import load_connectome, reference_numba, wc_circuit  # noqa: E402

DT = 0.1


def run_pyrates(cmat: np.ndarray, delays: np.ndarray, t_sim: float, numba: bool,
                repeat: int = 2) -> dict:
    """Best of ``repeat`` runs (run time); build and compile times of the first run."""
    best: dict = {}
    for i in range(repeat):
        circuit = wc_circuit(cmat, delays)
        # the reference loop starts from a constant history and records after each step
        res = circuit.run(simulation_time=t_sim, step_size=DT, outputs={"E": "all/wc_op/E"},
                          solver="euler", numba=numba, history="initial", verbose=False)
        stats = dict(circuit.run_stats)
        if i == 0:
            best = {**stats, "E": res["E"].to_numpy()}
        best["run_time"] = min(best["run_time"], stats["run_time"])
    return best


def scale_test(n: int = 1000, density: float = 0.05, seed: int = 1) -> None:
    """A 1000-node random sparse network with delays: build/compile time and source size."""
    rng = np.random.default_rng(seed)
    w = (rng.random((n, n)) < density) * rng.random((n, n)) * 0.05
    d = np.round(rng.uniform(0.0, 10.0, (n, n)) / DT) * DT
    from pyrates_core.backend import CodegenOptions
    from pyrates_core.compile import compile_network
    from pyrates_core.registry import get_backend

    t0 = time.perf_counter()
    circuit = wc_circuit(w, d)
    system = compile_network(circuit.network())
    t_build = time.perf_counter() - t0
    lines = {}
    for numba in (False, True):
        code = get_backend("numpy").generate(system, CodegenOptions(step_size=DT,
                                                                    extra={"numba": numba}))
        lines[numba] = len(code.source.splitlines())
    t0 = time.perf_counter()
    circuit.run(simulation_time=10 * DT, step_size=DT, outputs={"E": "n0/wc_op/E"}, numba=True)
    t_first = time.perf_counter() - t0
    s = circuit.run_stats
    print(f"scale: {n} nodes, {int((w > 0).sum())} edges: template+compile_network "
          f"{t_build:.2f} s; generated module {lines[False]} lines (numpy), {lines[True]} lines "
          f"(numba); run() with numba: build {s['build_time']:.2f} s, compile "
          f"{s['compile_time']:.2f} s, 10 steps {s['run_time']:.3f} s (total {t_first:.2f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated time in s")
    ap.add_argument("--scale", type=int, default=1000, help="nodes of the scale test (0: skip)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per path; best run time shown")
    args = ap.parse_args()
    t_sim = args.seconds * 1000.0  # model time is in ms
    n_steps = int(round(t_sim / DT))
    cmat, delays = load_connectome(DT)
    print(f"W1: {cmat.shape[0]} nodes, {int((cmat >= 1e-6).sum())} edges, "
          f"{np.unique(delays[cmat > 0]).size} distinct delays, {n_steps} Euler steps")

    # the same edges as PyRates creates (add_edges_from_matrix drops |w| < min_weight = 1e-6)
    loop, largs = reference_numba(np.where(np.abs(cmat) >= 1e-6, cmat, 0.0), delays, DT, 10)
    t0 = time.perf_counter()
    loop(*largs)
    t_c = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = loop(largs[0], largs[1], n_steps)
    t_r = time.perf_counter() - t0
    print(f"  hand-written numba loop : compile {t_c:6.2f} s   run {t_r:6.2f} s")

    for numba in (True, False):
        r = run_pyrates(cmat, delays, t_sim, numba, args.repeat)
        err = np.max(np.abs(r["E"][1:] - ref[:-1]))  # rows t = 0, dt, ... vs after each step
        label = "PyRates numba path" if numba else "PyRates pure NumPy "
        print(f"  {label}      : build {r['build_time']:6.2f} s   compile "
              f"{r['compile_time']:6.2f} s   run {r['run_time']:6.2f} s   "
              f"(max |E - reference| = {err:.1e}, numba={r.get('numba')})")
    if args.scale:
        scale_test(args.scale)


if __name__ == "__main__":
    main()
