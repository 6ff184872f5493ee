"""Foundation benchmarks: (a) Jansen–Rit 1 s at dt 1e-4, (b) 100 QIF populations coupled
through add_edges_from_matrix; pure-Python (NumPy) and numba paths side by side.

    .venv/bin/python benchmarks/bench_foundation.py
"""

from __future__ import annotations

import time

import numpy as np

from pyrates_frontend import CircuitTemplate, NodeTemplate


def jrc() -> CircuitTemplate:
    return CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")


def qif100(n: int = 100, seed: int = 0) -> CircuitTemplate:
    node = NodeTemplate.from_yaml("model_templates.neural_mass_models.qif.qif_pop")
    names = [f"p{i}" for i in range(n)]
    c = CircuitTemplate("qif_net", nodes={nm: node for nm in names})
    rng = np.random.default_rng(seed)
    w = (rng.random((n, n)) < 0.2) * 15.0 / (0.2 * n)
    c.add_edges_from_matrix("qif_op/r", "qif_op/r_in", names, weight=w)
    return c


def bench(name: str, make, outputs: dict, t_sim: float, dt: float) -> None:
    for numba in (False, True):
        c = make()
        t0 = time.perf_counter()
        c.run(simulation_time=t_sim, step_size=dt, outputs=outputs, solver="euler",
              numba=numba, sampling_step_size=dt * 10)
        total = time.perf_counter() - t0
        s = c.run_stats
        path = "numba" if numba else "numpy"
        print(f"{name:28s} {path:6s} build {s['build_time']:6.3f} s  compile "
              f"{s['compile_time']:6.3f} s  run {s['run_time']:6.3f} s  total {total:6.3f} s")


def main() -> None:
    bench("(a) JRC 1 s, dt 1e-4", jrc, {"v": "pc/rpo_e_in/v"}, 1.0, 1e-4)
    bench("(b) 100 QIF, T=100, dt 1e-3", qif100, {"r": "p0/qif_op/r"}, 100.0, 1e-3)


if __name__ == "__main__":
    main()
