"""W1 with the Fortran backend: run time beside the numba path, compile time, cache hit.

Workload W1 (Wilson-Cowan E/I on the 80-region connectome, 5846 delayed edges, Euler,
dt = 0.1 ms, 10 s = 100,000 steps). Prints for the Fortran backend the build, compile (cold:
a fresh cache folder; warm: a second build of the same model, which loads the cached module)
and run times, the same for the numba path of the NumPy backend, and the largest difference
between the two trajectories (compared on their common time points).

    .venv/bin/python benchmarks/bench_fortran_w1.py [--seconds 10] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import load_connectome, wc_circuit  # noqa: E402

DT = 0.1


def run(backend: str, cmat: np.ndarray, delays: np.ndarray, t_sim: float, repeat: int,
        **kwargs) -> tuple[list[dict], object]:
    """``repeat`` runs, each with a freshly built circuit: their run_stats and the last result."""
    stats, res = [], None
    for _ in range(repeat):
        circuit = wc_circuit(cmat, delays)
        res = circuit.run(simulation_time=t_sim, step_size=DT, outputs={"E": "all/wc_op/E"},
                          solver="euler", backend=backend, **kwargs)
        stats.append(dict(circuit.run_stats))
    return stats, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated time in s")
    ap.add_argument("--repeat", type=int, default=2, help="runs per path")
    args = ap.parse_args()
    t_sim = args.seconds * 1000.0
    cmat, delays = load_connectome(DT)
    print(f"W1: {cmat.shape[0]} nodes, {int((cmat >= 1e-6).sum())} edges, "
          f"{int(round(t_sim / DT))} Euler steps")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["PYRATES_CACHE_DIR"] = cache  # cold first compile, then cache hits
        f_stats, f_res = run("fortran", cmat, delays, t_sim, args.repeat)
    os.environ.pop("PYRATES_CACHE_DIR")
    n_stats, n_res = run("numpy", cmat, delays, t_sim, args.repeat, numba=True)
    for name, st in (("fortran", f_stats), ("numpy+numba", n_stats)):
        compiles = ", ".join(f"{s['compile_time']:.2f}" for s in st)
        print(f"  {name:12s}: build {st[0]['build_time']:5.2f} s   compile per run "
              f"[{compiles}] s   best run {min(s['run_time'] for s in st):6.2f} s")
    # agreement: the NumPy backend reads the initial value before t = 0, so run the Fortran
    # model with history='initial' here (run() uses the 1.x default 'zero')
    from pyrates_backend_fortran import FortranBackend
    from pyrates_core.backend import CodegenOptions, SimulationRequest
    from pyrates_core.compile import compile_network

    system = compile_network(wc_circuit(cmat, delays).network())
    state = next(s for s in system.states if s.name.startswith("E"))
    be = FortranBackend()
    with tempfile.TemporaryDirectory() as tmp:
        model = be.load(be.generate(system, CodegenOptions()), Path(tmp))
    res = be.integrate(model, SimulationRequest(t_sim, DT, outputs={"E": (state.name, None)},
                                                history="initial"))
    a, b = res.outputs["E"], n_res.to_numpy()
    ka = np.round(res.time / DT).astype(int)
    kb = np.round(n_res.index.to_numpy() / DT).astype(int)
    _, ia, ib = np.intersect1d(ka, kb, return_indices=True)
    print(f"  max |E_fortran - E_numba| on {ia.size} common time points (history='initial'): "
          f"{np.max(np.abs(a[ia] - b[ib])):.1e}")

if __name__ == "__main__":
    main()
