"""A/B benchmark of the kernel rework: W1 run time of two source trees, interleaved.

Runs W1 (see ``bench_w1.py``) for the pure-NumPy and the numba path in fresh processes,
alternating between the current tree and another checkout (``--old``, e.g. an exported commit),
and reports the best *CPU* time of each, which a busy shared machine distorts far less than
wall time. Also counts the source lines of the NumPy backend in both trees.

    .venv/bin/python benchmarks/bench_kernel.py --old /tmp/old/packages [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES = ("pyrates-core", "pyrates-backend-numpy", "pyrates-frontend", "pyrates-models",
            "pyrates")

CHILD = r"""
import json, sys, time
sys.path.insert(0, {here!r})
from w1_model import load_connectome, wc_circuit
cmat, delays = load_connectome(0.1)
out = {{}}
quiet = {{"verbose": False}}
for numba in (False, True):
    circuit = wc_circuit(cmat, delays)
    kw = dict(simulation_time={t_sim}, step_size=0.1, outputs={{"E": "all/wc_op/E"}},
              solver="euler", numba=numba)
    try:
        circuit.run(**kw, **quiet)
    except Exception:  # a tree whose run() has no 'verbose'
        quiet = {{}}
        circuit.run(**kw)
    c0 = time.process_time()
    circuit.run(**kw, **quiet)
    out[str(numba)] = time.process_time() - c0
print(json.dumps(out))
"""


def _lines(packages: Path) -> int:
    src = packages / "pyrates-backend-numpy" / "src"
    return sum(len(p.read_text().splitlines()) for p in src.rglob("*.py"))


def _run(packages: Path | None, t_sim: float) -> dict[str, float]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if packages is not None:
        env["PYTHONPATH"] = os.pathsep.join(str(packages / p / "src") for p in PACKAGES)
    code = CHILD.format(here=str(HERE), t_sim=t_sim)
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    """Interleave old/new runs and print the best CPU times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="'packages' folder of the old tree")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated time in s")
    args = ap.parse_args()
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    for _ in range(args.rounds):
        for label, pkgs in (("old", args.old), ("new", None)):
            for path, t in _run(pkgs, args.seconds * 1000.0).items():
                best[label][path] = min(best[label].get(path, float("inf")), t)
    new_pkgs = HERE.parent / "packages"
    print(f"W1, 100,000 Euler steps, best CPU time of {args.rounds} (second run in a process)")
    for label in ("old", "new"):
        print(f"  {label}: pure NumPy {best[label]['False']:6.2f} s   numba "
              f"{best[label]['True']:6.2f} s")
    print(f"  numpy backend source lines: old {_lines(args.old)}, new {_lines(new_pkgs)}")


if __name__ == "__main__":
    main()
