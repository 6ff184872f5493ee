"""Gradient benchmark: d(MSE)/d(coupling) through the W1 network, per differentiable backend.

W1 without delays (80 Wilson–Cowan nodes, ``benchmarks/w1_model.py``), Euler with
dt = 0.1 ms, 10,000 steps (1 s); the loss is the mean squared error of all E traces (sampled
every 1 ms) against a target simulated with K = 0.6, evaluated at K = 0.5. Prints the time of
one gradient (best of ``--repeat`` on one compiled model, after a warm-up call),
the gradient itself (equal across backends), and the forward W1 run (with delays) per backend.

    .venv/bin/python benchmarks/bench_grad.py [--steps 10000] [--backends torch tensorflow jax]
        [--checkpoint 500]

JAX's first call traces and compiles the jitted ``value_and_grad`` (not timed); with
``--checkpoint N`` the torch gradient is timed again with gradient checkpointing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import load_connectome, wc_circuit  # noqa: E402

DT = 0.1


def gradient_time(backend: str, cmat: np.ndarray, n_steps: int, repeat: int,
                  backend_options: dict | None = None) -> tuple[float, float]:
    """(best seconds per gradient, dloss/dK), timing single gradients on one compiled model."""
    from pyrates_frontend.fitting import _prepare  # the set-up of fit/loss_gradient

    t_sim = n_steps * DT
    zero = np.zeros_like(cmat)
    outputs = {"E": "all/wc_op/E"}
    target = wc_circuit(cmat, zero).run(t_sim, DT, outputs=outputs, sampling_step_size=1.0,
                                        backend=backend)
    be, options, request, system = _prepare(
        wc_circuit(cmat, zero), ["all/wc_op/K"], target, outputs, t_sim, DT, backend, "euler",
        1.0, None, "float64", dict(backend_options or {}))
    with tempfile.TemporaryDirectory() as workdir:
        model = be.load(be.generate(system, options), Path(workdir))
        times, grad = [], 0.0
        for _ in range(repeat + 1):  # the first call traces / warms up
            t0 = time.perf_counter()
            _, g = be.value_and_grad(model, request, {"all/wc_op/K": 0.5})
            times.append(time.perf_counter() - t0)
            grad = g["all/wc_op/K"]
    return min(times[1:]), grad


def forward_time(backend: str, cmat: np.ndarray, delays: np.ndarray, n_steps: int) -> dict:
    """Build, compile and run time of the W1 forward run (second run: warm caches)."""
    stats = {}
    for _ in range(2):
        circuit = wc_circuit(cmat, delays)
        circuit.run(simulation_time=n_steps * DT, step_size=DT, outputs={"E": "all/wc_op/E"},
                    solver="euler", backend=backend)
        stats = dict(circuit.run_stats)
    return stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10_000, help="Euler steps")
    ap.add_argument("--repeat", type=int, default=2, help="gradients timed per backend")
    ap.add_argument("--backends", nargs="+", default=["torch", "tensorflow", "jax"])
    ap.add_argument("--checkpoint", type=int, default=0,
                    help="also time torch with checkpoint=N steps per segment")
    ap.add_argument("--forward", action="store_true", help="also time the W1 forward run")
    args = ap.parse_args()
    cmat, delays = load_connectome(DT)
    print(f"W1 without delays: {cmat.shape[0]} nodes, {int((cmat >= 1e-6).sum())} edges, "
          f"{args.steps} Euler steps")
    for be in args.backends:
        per, grad = gradient_time(be, cmat, args.steps, args.repeat)
        print(f"{be:>10}: {per:.2f} s per gradient, dMSE/dK = {grad:.10e}")
    if args.checkpoint and "torch" in args.backends:
        per, grad = gradient_time("torch", cmat, args.steps, args.repeat,
                                  {"checkpoint": args.checkpoint})
        print(f"{'torch':>10}: {per:.2f} s per gradient with checkpoint={args.checkpoint}, "
              f"dMSE/dK = {grad:.10e}")
    if args.forward:
        for be in ["numpy", *args.backends]:
            s = forward_time(be, cmat, delays, args.steps)
            print(f"{be:>10} forward W1 ({args.steps} steps, delays): build "
                  f"{s['build_time']:.2f} s, compile {s['compile_time']:.2f} s, run "
                  f"{s['run_time']:.2f} s")


if __name__ == "__main__":
    main()
