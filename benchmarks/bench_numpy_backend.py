"""Micro-benchmark of the numpy backend on workload W1 (hand-built SystemIR, no frontend).

W1: Wilson-Cowan E/I per node on the 80-node connectome ``gw_80.npz`` (``Cmat`` weights
[target, source], ``lengthMat`` in mm; delay = length / 20 mm/ms rounded to dt = 0.1 ms), one
delayed EdgeSum from E into the E input with global coupling 0.6, Euler, 10 s = 100,000 steps.

Run:  python benchmarks/bench_numpy_backend.py [--steps 100000] [--path gw_80.npz]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import sympy as sp

from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.functions import EdgeSum
from pyrates_core.system import Assignment, EdgeBundle, ParameterSpec, StateSpec, SystemIR

DATA = Path("/work/shared/data/gw_80.npz")


def wilson_cowan_system(cmat: np.ndarray, lengths: np.ndarray, dt: float = 0.1,
                        speed: float = 20.0, coupling: float = 0.6) -> SystemIR:
    """Wilson-Cowan network with delayed E->E coupling (delays rounded to ``dt``)."""
    n = cmat.shape[0]
    tgt, src = np.nonzero(cmat)
    delays = np.round(lengths[tgt, src] / speed / dt) * dt
    E, I, inp = sp.symbols("E I E_in")  # noqa: N806
    a, c1, c2, c3, c4, P, Q, tau_e, tau_i, g = sp.symbols(  # noqa: N806
        "a c1 c2 c3 c4 P Q tau_e tau_i g")

    def sigmoid(x: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-a * x))

    values = {"a": 1.3, "c1": 16.0, "c2": 12.0, "c3": 15.0, "c4": 3.0, "P": 1.25, "Q": 0.0,
              "tau_e": 2.5, "tau_i": 3.75, "g": coupling}
    params = {k: ParameterSpec(k, np.asarray(v)) for k, v in values.items()}
    params["w_EE"] = ParameterSpec("w_EE", cmat[tgt, src].astype(float))
    rng = np.random.default_rng(0)
    states = [StateSpec("E", 0, rng.uniform(0.05, 0.15, n), [f"n{i}/E" for i in range(n)]),
              StateSpec("I", n, rng.uniform(0.05, 0.15, n), [f"n{i}/I" for i in range(n)])]
    assignments = [Assignment("E_in", g * EdgeSum(E, 0), n, [f"n{i}/E_in" for i in range(n)])]
    derivs = [(-E + sigmoid(c1 * E - c2 * I + P + inp)) / tau_e,
              (-I + sigmoid(c3 * E - c4 * I + Q)) / tau_i]
    bundle = EdgeBundle("ee", "E", n, n, src.astype(np.int64), tgt.astype(np.int64), "w_EE",
                        delays)
    return SystemIR(states, derivs, params, {}, assignments, [bundle])


def run(numba: bool, n_steps: int, data: Path) -> dict[str, float]:
    """Generate, load and integrate W1; return the timings."""
    from pyrates_backend_numpy import NumpyBackend

    d = np.load(data)
    system = wilson_cowan_system(d["Cmat"], d["lengthMat"])
    backend = NumpyBackend()
    start = time.perf_counter()
    code = backend.generate(system, CodegenOptions(step_size=0.1, extra={"numba": numba}))
    with tempfile.TemporaryDirectory() as tmp:
        model = backend.load(code, Path(tmp))
        setup = time.perf_counter() - start
        request = SimulationRequest(simulation_time=n_steps * 0.1, step_size=0.1,
                                    outputs={"E": ("E", np.arange(80))})
        res = backend.integrate(model, request)
    return {"generate+load": setup, "compile": code.metadata["compile_time"],
            "run": res.stats["run_time"], "E_mean": float(res.outputs["E"].mean())}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--path", type=Path, default=DATA)
    parser.add_argument("--only", choices=["numpy", "numba"], default=None)
    ns = parser.parse_args()
    for label, numba in (("numpy", False), ("numba", True)):
        if ns.only and ns.only != label:
            continue
        t = run(numba, ns.steps, ns.path)
        print(f"{label:6s} generate+load {t['generate+load']:.2f} s (compile {t['compile']:.2f} s)"
              f"  run {t['run']:.2f} s  mean(E) {t['E_mean']:.6f}")


if __name__ == "__main__":
    main()
