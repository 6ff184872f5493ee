"""W1 with the JAX backend: Wilson–Cowan network on the 80-region connectome, delays, Euler.

Prints the build time (templates, vectorization, code generation), the JIT compile time of
the jitted ``lax.scan`` loop and the best run time of ``--repeat`` runs (each run builds the
circuit again: the compiled loop is reused from the second run on), and checks the trajectory
against the NumPy backend on the common time points. The lines of the backend's source are
printed too.

    .venv/bin/python benchmarks/bench_jax_w1.py [--seconds 10] [--repeat 3] [--no-numpy]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import load_connectome, wc_circuit  # noqa: E402

DT = 0.1
SRC = Path(__file__).resolve().parents[1] / "packages" / "pyrates-backend-jax" / "src"


def backend_lines() -> tuple[int, int]:
    """(all lines, non-blank non-comment lines) of pyrates_backend_jax."""
    total = code = 0
    for f in sorted(SRC.rglob("*.py")):
        for line in f.read_text().splitlines():
            total += 1
            code += bool(line.strip()) and not line.strip().startswith("#")
    return total, code


def run(backend: str, cmat: np.ndarray, delays: np.ndarray, t_sim: float) -> tuple:
    circuit = wc_circuit(cmat, delays)
    t0 = time.perf_counter()
    res = circuit.run(simulation_time=t_sim, step_size=DT, outputs={"E": "all/wc_op/E"},
                      solver="euler", backend=backend, verbose=False,
                      **({"numba": False} if backend == "numpy" else {}))
    return res, dict(circuit.run_stats), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated time in s")
    ap.add_argument("--repeat", type=int, default=3, help="runs; best run time shown")
    ap.add_argument("--no-numpy", action="store_true", help="skip the NumPy comparison")
    args = ap.parse_args()
    t_sim = args.seconds * 1000.0  # model time is in ms
    cmat, delays = load_connectome(DT)
    print(f"W1: {cmat.shape[0]} nodes, {int((cmat >= 1e-6).sum())} edges, "
          f"{int(round(t_sim / DT))} Euler steps")
    runs = [run("jax", cmat, delays, t_sim) for _ in range(args.repeat)]
    first = runs[0][1]
    best = min(r[1]["run_time"] for r in runs)
    best_cpu = min(r[1]["run_cpu_time"] for r in runs)
    print(f"  JAX backend, first run : build {first['build_time']:6.2f} s   jit compile "
          f"{first['compile_time']:6.2f} s   run {first['run_time']:6.2f} s   "
          f"(total {runs[0][2]:.2f} s)")
    later = runs[-1][1]
    print(f"  JAX backend, later runs: build {later['build_time']:6.2f} s   jit compile "
          f"{later['compile_time']:6.2f} s   best run {best:6.2f} s (CPU {best_cpu:.2f} s)   "
          f"(compiled loop reused: {later['jit_cached']})")
    if not args.no_numpy:
        ref, stats, _ = run("numpy", cmat, delays, t_sim)
        jax_df = runs[0][0]
        common = ref.index.intersection(jax_df.index)
        err = float(np.abs(ref.loc[common].to_numpy() - jax_df.loc[common].to_numpy()).max())
        print(f"  NumPy backend (pure)   : run {stats['run_time']:6.2f} s;   max |E_jax - "
              f"E_numpy| = {err:.1e} on {common.size} common time points")
    total, code = backend_lines()
    print(f"  pyrates_backend_jax: {total} lines ({code} without blank and comment lines)")


if __name__ == "__main__":
    main()
