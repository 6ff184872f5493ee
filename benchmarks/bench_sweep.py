"""Sweep benchmark: N Jansen-Rit sets (1 s at dt 1e-4) three ways, and a delay sweep.

1. ``grid_search`` over the connectivity C of JRC2 (one compiled model for all sets);
2. N sequential ``CircuitTemplate.run`` calls (each builds and generates its model; the
   backend may reuse compiled code);
3. one compiled model integrated N times with ``param_values`` (the floor for the loop path).

With ``--orig-venv DIR`` (a venv with ``pyrates==1.2.3``, see ``compare_pyrates.py``) the
original's ``grid_search`` runs the same sweep on ``--orig-sets`` sets in a subprocess, beside
ours on as many sets; there every set gets its own noise column (1.2.3 fails with one shared
``(n_steps, 1)`` input from about 20 sets on: "invalid index to scalar variable"), and
``--orig-sequential k`` of its ``run`` calls are timed and scaled to N.
Then a sweep over one edge delay of a 10-node delayed ring, reporting
"systems built / codes generated / loads" (1 / 1 / 1 where the backend has the
``delay_params`` capability: the delays are run-time parameters).

Usage: ``python benchmarks/bench_sweep.py [--sets 1000] [--sequential 1000]``;
``--sequential k`` times k runs and scales to N (marked "scaled" in the table).
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.registry import get_backend
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_sweep import grid_search

TPL = "model_templates.neural_mass_models.jansenrit.JRC2"
T, DT, DTS = 1.0, 1e-4, 1e-3
OUTS = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}


def sweep(n: int, noise: np.ndarray, numba: bool | None) -> tuple[float, dict]:
    """Time grid_search over n values of C."""
    kw = {} if numba is None else {"numba": numba}
    start = time.perf_counter()
    res, _ = grid_search(TPL, {"C": np.linspace(68.0, 1350.0, n)},
                         {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, DT, T, OUTS,
                         inputs={"jrc/jrc_op/u": noise}, sampling_step_size=DTS, **kw)
    return time.perf_counter() - start, res.attrs["sweep"]


def sequential(k: int, n: int, noise: np.ndarray, numba: bool | None) -> float:
    """Time k ordinary runs (new values each) and scale to n."""
    kw = {} if numba is None else {"numba": numba}
    model = CircuitTemplate.from_yaml(TPL)
    start = time.perf_counter()
    for c in np.linspace(68.0, 1350.0, k):
        m = copy.deepcopy(model)
        m.update_var(node_vars={"jrc/jrc_op/c": float(c)})
        m.run(T, DT, outputs=OUTS, inputs={"jrc/jrc_op/u": noise}, sampling_step_size=DTS,
              verbose=False, **kw)
    return (time.perf_counter() - start) * n / k


def one_compiled(n: int, noise: np.ndarray, numba: bool) -> tuple[float, float]:
    """Compile once, then integrate n times with new values of c; (compile, runs) seconds."""
    start = time.perf_counter()
    model = CircuitTemplate.from_yaml(TPL)
    system = compile_network(model.network(), inputs={"jrc/jrc_op/u"})
    be = get_backend("numpy")
    code = be.generate(system, CodegenOptions(solver="euler", step_size=DT,
                                              n_steps=int(T / DT) * n, extra={"numba": numba}))
    name = next(k for k, p in system.params.items() if "jrc/jrc_op/c" in p.labels)
    labels = {lab: (s.name, i) for s in system.states for i, lab in enumerate(s.labels)}
    outs = {k: (labels[p][0], np.asarray([labels[p][1]])) for k, p in OUTS.items()}
    inp = next(iter(system.inputs))
    with tempfile.TemporaryDirectory() as tmp:
        loaded = be.load(code, Path(tmp))
        compiled = time.perf_counter() - start
        start = time.perf_counter()
        for c in np.linspace(68.0, 1350.0, n):
            be.integrate(loaded, SimulationRequest(
                simulation_time=T, step_size=DT, sampling_step_size=DTS,
                inputs={inp: noise}, outputs=outs, param_values={name: np.asarray(c)}))
    return compiled, time.perf_counter() - start


_ORIG = """
import sys, time, numpy as np
from pyrates import grid_search
n = int(sys.argv[1])
noise = np.random.default_rng(0).uniform(120.0, 320.0, size=(10000, n))  # one per set
start = time.perf_counter()
grid_search("model_templates.neural_mass_models.jansenrit.JRC2",
            param_grid={"C": np.linspace(68.0, 1350.0, n)},
            param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
            simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-3,
            inputs={"jrc/jrc_op/u": noise},
            outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"},
            backend="default", solver="euler", float_precision="float64", verbose=False)
print(time.perf_counter() - start)
"""


_ORIG_SEQUENTIAL = """
import sys, time, numpy as np
from pyrates import CircuitTemplate
k, n_sets = int(sys.argv[1]), int(sys.argv[2])
noise = np.random.default_rng(0).uniform(120.0, 320.0, size=(10000, 1))
start = time.perf_counter()
for c in np.linspace(68.0, 1350.0, n_sets)[:k]:
    m = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC2")
    m.update_var(node_vars={"jrc/jrc_op/c": float(c)})
    m.run(simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-3, solver="euler",
          inputs={"jrc/jrc_op/u": noise}, outputs={"V_pce": "jrc/jrc_op/V_e"},
          backend="default", verbose=False, clear=True)
print((time.perf_counter() - start) / k)
"""


def original_sequential(venv: str, k: int, n: int) -> float:
    """Seconds per run of k sequential PyRates 1.2.3 ``run`` calls (of n values of C)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "orig_sequential.py"
        script.write_text(_ORIG_SEQUENTIAL)
        out = subprocess.run([str(Path(venv) / "bin" / "python"), str(script), str(k), str(n)],
                             cwd=tmp, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def original(venv: str, n: int) -> float:
    """Seconds of PyRates 1.2.3's grid_search on n sets (in its venv, in a temporary folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "orig_sweep.py"
        script.write_text(_ORIG)
        out = subprocess.run([str(Path(venv) / "bin" / "python"), str(script), str(n)],
                             cwd=tmp, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _counting(backend: str) -> tuple[dict[str, int], Any]:
    """Count ``generate`` and ``load`` calls of a backend class; returns (counts, undo)."""
    cls = type(get_backend(backend))
    counts = {"generate": 0, "load": 0}
    originals = {k: getattr(cls, k) for k in counts}

    def wrap(name: str) -> Any:
        def wrapped(self: Any, *args: Any, **kw: Any) -> Any:
            counts[name] += 1
            return originals[name](self, *args, **kw)
        return wrapped

    for name in counts:
        setattr(cls, name, wrap(name))

    def undo() -> None:
        for name, func in originals.items():
            setattr(cls, name, func)

    return counts, undo


def delay_sweep(n: int) -> dict:
    """Sweep one delay of a 10-node delayed ring; report systems, generated codes, loads."""
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    node = NodeTemplate("li", operators=[op])
    labels = [f"n{i}" for i in range(10)]
    edges = [(f"{labels[i]}/li_op/r", f"{labels[(i + 1) % 10]}/li_op/r_in", None,
              {"weight": 0.8, "delay": 0.5}) for i in range(10)]
    ring = CircuitTemplate("ring", nodes=dict.fromkeys(labels, node), edges=edges)
    ring.update_var(node_vars={"n0/li_op/r": 1.0})
    counts, undo = _counting("numpy")
    start = time.perf_counter()
    try:
        res, _ = grid_search(ring, {"d": np.linspace(0.1, 1.0, n)},
                             {"d": {"vars": ["delay"], "edges": [("n0", "n1")]}}, 1e-3, 10.0,
                             {"r": "all/li_op/r"}, sampling_step_size=1e-2)
    finally:
        undo()
    return {**res.attrs["sweep"], "time": time.perf_counter() - start, **counts}


def main() -> None:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=1000)
    ap.add_argument("--sequential", type=int, default=1000, help="runs actually timed")
    ap.add_argument("--delays", type=int, default=20)
    ap.add_argument("--orig-venv", default=None, help="venv with pyrates==1.2.3")
    ap.add_argument("--orig-sets", type=int, default=200)
    ap.add_argument("--orig-sequential", type=int, default=5,
                    help="1.2.3 run() calls timed (scaled to --sets); 0: skip")
    ap.add_argument("--delay-only", action="store_true", help="only the delay sweep")
    args = ap.parse_args()
    if args.delay_only:
        _print_delay_sweep(args.delays)
        return
    n = args.sets
    noise = np.random.default_rng(0).uniform(120.0, 320.0, size=(int(round(T / DT)), 1))
    t_first, info = sweep(n, noise, None)  # includes numba JIT or loading it from disk
    t_sweep, info = sweep(n, noise, None)
    t_seq = sequential(min(args.sequential, n), n, noise, None)
    t_seq_jit = sequential(min(args.sequential, n), n, noise, True)
    t_compile, t_runs = one_compiled(n, noise, numba=True)
    scaled = " (scaled)" if args.sequential < n else ""
    print(f"\n{n} Jansen-Rit sets, {T:g} s at dt {DT:g} (sampling {DTS:g}), numpy backend")
    print(f"{'method':44s} {'seconds':>10s} {'per set ms':>11s}")
    rows = [("grid_search, first call in the process", t_first),
            ("grid_search (one compiled model)", t_sweep),
            (f"{n} sequential run() calls{scaled}", t_seq),
            (f"{n} sequential run(numba=True){scaled}", t_seq_jit),
            (f"one compiled run x {n} (+{t_compile:.1f} s compile)", t_runs + t_compile)]
    for label, t in rows:
        print(f"{label:44s} {t:10.2f} {1e3 * t / n:11.2f}")
    print(f"sequential / grid_search: {t_seq / t_sweep:.1f}x; grid_search / one-compiled: "
          f"{t_sweep / (t_runs + t_compile):.2f}x; sweep info: {info}")
    if args.orig_venv:
        m = args.orig_sets
        t_orig = original(args.orig_venv, m)
        per_set = np.random.default_rng(0).uniform(120.0, 320.0, size=(int(round(T / DT)), m))
        t_ours, _ = sweep(m, per_set, None)
        print(f"\n{m} sets: PyRates 1.2.3 grid_search {t_orig:.2f} s, ours {t_ours:.2f} s "
              f"({t_orig / t_ours:.1f}x)")
        if args.orig_sequential:
            per_run = original_sequential(args.orig_venv, args.orig_sequential, n)
            print(f"{n} sequential PyRates 1.2.3 run() calls ({args.orig_sequential} timed, "
                  f"scaled): {per_run * n:.0f} s; ours grid_search {t_sweep:.2f} s "
                  f"({per_run * n / t_sweep:.0f}x)")
    _print_delay_sweep(args.delays)


def _print_delay_sweep(n: int) -> None:
    """Run :func:`delay_sweep` and print its line."""
    d = delay_sweep(n)
    print(f"\ndelay sweep, 10-node delayed ring, {n} delays of edge n0->n1, 10 s at "
          f"dt 1e-3: {d['time']:.2f} s; systems built / codes generated / loads: "
          f"{d['n_compiled']} / {d['generate']} / {d['load']} (distinct generated codes: "
          f"{d['n_distinct_code']}, structural columns: {d['structural']}, "
          f"batched: {d['batched']})")


if __name__ == "__main__":
    main()
