"""Peak-RSS growth of one W1 gradient (10,000 Euler steps) over a 200-step warm-up gradient.

Measures what gradient checkpointing saves (run one configuration per process, since the
peak RSS only grows):

    .venv/bin/python benchmarks/bench_grad_memory.py torch|tensorflow|jax CHECKPOINT JIT(0|1)

(CHECKPOINT 0: off; JIT is the TensorFlow ``jit_compile`` option, ignored by torch and jax,
whose loop is always jitted.)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import load_connectome, wc_circuit  # noqa: E402

from pyrates_frontend.fitting import _prepare  # noqa: E402

backend, ck, jit = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
DT = 0.1
cmat, _ = load_connectome(DT)
zero = np.zeros_like(cmat)
opts: dict = {"checkpoint": ck} if ck else {}
if backend == "tensorflow":
    opts["jit_compile"] = jit


def grad(n_steps: int) -> tuple[float, float]:
    """dMSE/dK and the seconds of one gradient through ``n_steps`` Euler steps."""
    t = n_steps * DT
    out = {"E": "all/wc_op/E"}
    target = wc_circuit(cmat, zero).run(t, DT, outputs=out, sampling_step_size=1.0,
                                        backend="numpy", verbose=False)
    be, options, request, system = _prepare(wc_circuit(cmat, zero), ["all/wc_op/K"], target,
                                            out, t, DT, backend, "euler", 1.0, None, "float64",
                                            dict(opts))
    with tempfile.TemporaryDirectory() as wd:
        model = be.load(be.generate(system, options), Path(wd))
        t0 = time.perf_counter()
        _, g = be.value_and_grad(model, request, {"all/wc_op/K": 0.5})
        return g["all/wc_op/K"], time.perf_counter() - t0


def rss() -> float:
    """Peak resident set size of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


grad(200)
base = rss()
g, dt = grad(10_000)
print(f"{backend} jit={jit} checkpoint={ck}: dMSE/dK={g:.12e} {dt:.1f} s, peak RSS growth "
      f"{rss() - base:.0f} MB")
