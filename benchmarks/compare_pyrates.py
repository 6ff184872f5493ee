"""W1 side by side: the original PyRates 1.2.3 (PyPI) against this re-implementation.

Workload W1 (benchmarks/w1_model.py): Wilson–Cowan E/I populations on the 80-region connectome,
edge delays, forward Euler, dt = 0.1 ms. For each implementation and code path the script prints
the time to write the templates, the build time (parsing, vectorization, code generation), the
compile time (numba JIT; ~0 for NumPy) and the run time (the Euler loop), and the largest
difference of the E trajectories from the original's NumPy run.

The original runs in its own virtual environment (it pins networkx<=3.5), in a subprocess started
from a helper script in a temporary directory; the data go both ways through temporary .npz files.
Set that environment up once (numba is only needed for its numba attempt)::

    python3.11 -m venv .venv-orig && .venv-orig/bin/pip install pyrates==1.2.3 numba

Usage::

    .venv/bin/python benchmarks/compare_pyrates.py [--seconds 10] [--orig-venv .venv-orig]
                                                    [--orig-history constant|zero]

How the two are made comparable:

* The original reserves the name ``E`` (sympy's Euler number), so its E variable is ``r_E``.
* The original computes in float32 unless asked otherwise; it is run with
  ``float_precision='float64'`` like ours.
* It gets the same thresholded weights (ours drops edges with |w| < 1e-6).
* Samples: the original's row k is the state at t = k*dt (before step k+1, rows t = 0 .. T-dt);
  ours holds the state after each step (rows t = dt .. T). Rows are matched by step number and
  compared on the common times dt .. T-dt.
* History before t = 0: the original's delay ring buffers start at 0, ours holds the initial
  value. With ``--orig-history constant`` (default) the helper fills the original's buffers with
  the initial state once they are created, before the first step (a wrapper around
  ``CircuitIR.get_run_func``); ``--orig-history zero`` runs it untouched, and the difference then
  includes that convention.

The original's NumPy loop does a dense (80 x 5846) dot per step, so its run time follows the BLAS
thread count; on a busy machine ``OPENBLAS_NUM_THREADS=1`` steadies it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from w1_model import K_GLOBAL, PARAMS, load_connectome, wc_circuit  # noqa: E402

DT = 0.1  # ms
MIN_WEIGHT = 1e-6  # ours: add_edges_from_matrix drops |w| < min_weight
ORIG_VERSION = "1.2.3"
REPO = Path(__file__).resolve().parents[1]

# Runs under the original's interpreter: python helper.py IN.npz OUT.npz numpy|numba constant|zero
ORIG_HELPER = r'''
import sys
import time
import traceback
from pathlib import Path

import numpy as np


def summary(exc):
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (raised in {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {' | '.join(lines[:3])}{where}"


def build_and_run(data, mode, history):
    from pyrates import CircuitTemplate, NodeTemplate, OperatorTemplate
    from pyrates.backend.computegraph import ComputeGraph
    from pyrates.ir.circuit import CircuitIR

    kwargs = {}
    if mode == "numba":
        try:
            import numba
        except ImportError:
            return {"status": "skipped", "error": "numba is not installed in this venv"}
        kwargs["decorator"] = numba.njit
    stamps = {}
    get_run_func, graph_run = CircuitIR.get_run_func, ComputeGraph.run

    def get_run_func_hook(self, *args, **kw):
        func, fargs, names, idx = get_run_func(self, *args, **kw)
        stamps["built"] = time.perf_counter()
        if history == "constant":  # delay ring buffers '<var>_buffer' start at the initial value
            filled = 0
            for name, arg in zip(names, fargs):
                var = name[:-len("_buffer")] if name.endswith("_buffer") else None
                if var in idx and isinstance(arg, np.ndarray) and arg.ndim == 2:
                    lo, hi = idx[var]
                    arg[:] = np.asarray(fargs[1][lo:hi])[:, None]
                    filled += 1
            if not filled:
                raise RuntimeError(f"no delay buffer found to fill among {names}")
        if mode == "numba":  # trigger the JIT on copies, with the loop's argument types
            t0 = time.perf_counter()
            func(0 + fargs[0], *(a.copy() if isinstance(a, np.ndarray) else a
                                 for a in fargs[1:]))
            stamps["compile"] = time.perf_counter() - t0
        return func, fargs, names, idx

    def graph_run_hook(self, *args, **kw):
        t0 = time.perf_counter()
        out = graph_run(self, *args, **kw)
        stamps["run"] = time.perf_counter() - t0
        return out

    CircuitIR.get_run_func, ComputeGraph.run = get_run_func_hook, graph_run_hook

    cmat, delays = data["cmat"], data["delays"]
    params = dict(zip(data["param_names"].tolist(), data["param_values"].tolist()))
    t0 = time.perf_counter()
    op = OperatorTemplate(
        name="wc_op", path=None,
        equations=["d/dt * r_E = (-r_E + (1 - r_E) * sigmoid(a_E*(c_EE*r_E - c_IE*I_p + P_E"
                   " + K*E_in - mu_E))) / tau_E",
                   "d/dt * I_p = (-I_p + (1 - I_p) * sigmoid(a_I*(c_EI*r_E - c_II*I_p + P_I"
                   " - mu_I))) / tau_I"],
        variables={"r_E": "output(0.05)", "I_p": "variable(0.05)", "E_in": "input(0.0)",
                   "K": float(data["k"]), **params})
    node = NodeTemplate(name="wc_node", path=None, operators=[op])
    names = [f"n{i}" for i in range(cmat.shape[0])]
    circuit = CircuitTemplate(name="w1", path=None, nodes={nm: node for nm in names})
    circuit.add_edges_from_matrix(source_var="wc_op/r_E", target_var="wc_op/E_in",
                                  source_nodes=names, weight=cmat, edge_attr={"delay": delays})
    t1 = time.perf_counter()
    res = circuit.run(simulation_time=float(data["t_ms"]), step_size=float(data["dt"]),
                      outputs={"E": "all/wc_op/r_E"}, solver="euler", backend="numpy",
                      float_precision="float64", clear=True, verbose=False, **kwargs)
    cols = [res.columns.get_loc(("E", nm, "wc_op/r_E")) for nm in names]
    return {"status": "ok", "E": res.to_numpy()[:, cols], "times": res.index.to_numpy(float),
            "templates": t1 - t0, "build": stamps["built"] - t1,
            "compile": stamps.get("compile", 0.0), "run": stamps["run"]}


def main():
    src, dst, mode, history = sys.argv[1:5]
    try:
        out = build_and_run(np.load(src), mode, history)
    except Exception as exc:  # reported by the caller as a failure line
        traceback.print_exc()
        out = {"status": "failed", "error": summary(exc)}
    np.savez(dst, **out)


main()
'''


def orig_python(venv: Path) -> tuple[Path | None, str]:
    """The original's interpreter, or None and why not."""
    py = venv / "bin" / "python"
    if not py.exists():
        return None, f"no interpreter at {py}"
    probe = subprocess.run([str(py), "-c", "import importlib.metadata as m; "
                            "print(m.version('pyrates'))"], capture_output=True, text=True)
    version = probe.stdout.strip()
    if probe.returncode or version != ORIG_VERSION:
        return None, f"pyrates {ORIG_VERSION} is not installed in {venv} (found: {version or '-'})"
    return py, ""


def run_original(py: Path, cmat: np.ndarray, delays: np.ndarray, t_ms: float, mode: str,
                 history: str) -> dict:
    """Run the helper under the original's interpreter, in a temporary working directory."""
    with tempfile.TemporaryDirectory(prefix="pyrates_orig_") as tmp:
        helper, src, dst = Path(tmp, "orig_w1.py"), Path(tmp, "in.npz"), Path(tmp, "out.npz")
        helper.write_text(ORIG_HELPER)
        np.savez(src, cmat=cmat, delays=delays, t_ms=t_ms, dt=DT, k=K_GLOBAL,
                 param_names=np.array(list(PARAMS)), param_values=np.array(list(PARAMS.values())))
        t0 = time.perf_counter()
        # one BLAS thread: the original's dense per-step product otherwise swings 12-42 s here
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        proc = subprocess.run([str(py), str(helper), str(src), str(dst), mode, history],
                              cwd=tmp, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        if not dst.exists():
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"status": "failed", "error": f"subprocess exited {proc.returncode}: {tail}"}
        with np.load(dst) as res:
            out = {k: res[k].item() if res[k].ndim == 0 else res[k] for k in res.files}
    out["wall"] = wall
    return out


def run_ours(cmat: np.ndarray, delays: np.ndarray, t_ms: float, numba: bool) -> dict:
    import pyrates_frontend  # noqa: F401  (imports stay outside the timings, as for the original)

    t0 = time.perf_counter()
    circuit = wc_circuit(cmat, delays)
    t1 = time.perf_counter()
    res = circuit.run(simulation_time=t_ms, step_size=DT, outputs={"E": "all/wc_op/E"},
                      solver="euler", numba=numba)
    wall = time.perf_counter() - t0
    stats = circuit.run_stats
    return {"status": "ok", "E": res["E"].to_numpy(), "times": res.index.to_numpy(float),
            "templates": t1 - t0, "build": stats["build_time"], "compile": stats["compile_time"],
            "run": stats["run_time"], "wall": wall,
            "fell_back": numba and not stats.get("numba", True)}


def max_diff(a: dict, b: dict) -> tuple[float, int]:
    """Largest |E_a - E_b| over the samples both hold at the same step; the sample count."""
    sa, sb = (np.round(r["times"] / DT).astype(int) for r in (a, b))
    common, ia, ib = np.intersect1d(sa, sb, return_indices=True)
    if not common.size:
        return float("nan"), 0
    return float(np.max(np.abs(a["E"][ia] - b["E"][ib]))), int(common.size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="simulated time in s")
    ap.add_argument("--orig-venv", type=Path, default=REPO / ".venv-orig",
                    help="virtual environment with pyrates==1.2.3 (default: .venv-orig)")
    ap.add_argument("--orig-history", choices=("constant", "zero"), default="constant",
                    help="history of the original's delay buffers before t = 0 (see above)")
    args = ap.parse_args()
    py, why = orig_python(args.orig_venv)
    if py is None:
        print(f"skipped: original PyRates not available ({why}); create it with: python3.11 -m "
              f"venv {args.orig_venv} && {args.orig_venv}/bin/pip install "
              f"pyrates=={ORIG_VERSION} numba")
        return

    t_ms = args.seconds * 1000.0  # model time is in ms
    cmat, delays = load_connectome(DT)
    cmat = np.where(np.abs(cmat) >= MIN_WEIGHT, cmat, 0.0)  # the edges both implementations get
    print(f"W1: {cmat.shape[0]} nodes, {int((cmat != 0).sum())} edges, "
          f"{int(round(t_ms / DT))} Euler steps of {DT} ms; original: {py} "
          f"(history before t=0: {args.orig_history})")

    rows = [(f"original {ORIG_VERSION} numpy", run_original(py, cmat, delays, t_ms, "numpy",
                                                             args.orig_history)),
            (f"original {ORIG_VERSION} numba", run_original(py, cmat, delays, t_ms, "numba",
                                                             args.orig_history)),
            ("ours numpy", run_ours(cmat, delays, t_ms, numba=False)),
            ("ours numba", run_ours(cmat, delays, t_ms, numba=True))]
    ref = rows[0][1]
    for label, r in rows:
        if r["status"] != "ok":
            print(f"  {label:22s}: {r['status'].upper()}: {r['error']}")
            continue
        line = (f"  {label:22s}: templates {r['templates']:5.2f} s   build {r['build']:5.2f} s   "
                f"compile {r['compile']:5.2f} s   run {r['run']:7.2f} s   "
                f"(wall {r['wall']:7.2f} s)")
        if r is not ref and ref["status"] == "ok":
            err, n = max_diff(r, ref)
            line += f"   max |E - E_orig numpy| = {err:.1e} over {n} samples"
        if r.get("fell_back"):
            line += "   [numba fell back to NumPy]"
        print(line)


if __name__ == "__main__":
    main()
