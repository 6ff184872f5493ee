"""``grid_search``: many parameter sets of one circuit through one compiled model.

The model is compiled once with marker values in the swept places (see
:mod:`pyrates_sweep.probe`); every parameter set is then a set of parameter overrides of that
one generated and loaded model, run in chunks: as one batched integration on backends with the
``batch`` capability, else set by set. Columns whose values change the structure of the
compiled system (initial values, gamma spreads; edge delays on backends without the
``delay_params`` capability) group the sets; each group is compiled once. On backends with
``delay_params`` an edge-delay column is a parameter column like any other.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyrates_core.backend import HISTORY_MODES, CodegenOptions, SimulationRequest
from pyrates_core.registry import get_backend
from pyrates_frontend import CircuitTemplate
from pyrates_sweep.engine import ChunkResult, GroupJob, bytes_per_set, clear_model_cache, run_chunk
from pyrates_sweep.params import Target, linearize_grid, resolve_targets
from pyrates_sweep.prepare import (
    SweepError,
    default_outputs,
    input_arrays,
    input_labels,
    output_requests,
    parse_bytes,
    set_inputs,
    split_options,
)
from pyrates_sweep.probe import Placement, compile_with, locate, markers, probe_columns

__all__ = ["grid_search"]

_Task = tuple[GroupJob, list[int], list[dict[str, Any]], list[dict[str, np.ndarray]] | None]


def grid_search(circuit_template: CircuitTemplate | str,
                param_grid: Mapping[str, Any] | pd.DataFrame, param_map: Mapping[str, Any],
                step_size: float, simulation_time: float,
                outputs: Mapping[str, str] | Sequence[str] | str | None = None,
                inputs: Mapping[str, Any] | None = None,
                sampling_step_size: float | None = None, permute_grid: bool = False,
                vectorize: bool = True, solver: str = "euler", backend: str = "numpy",
                cutoff: float = 0.0, clear: bool = True, file_name: str | None = None,
                client: Any = None, chunk_size: int | None = None,
                memory_budget: int | float | str = "1GiB", batch: bool | None = None,
                progress: bool | None = None,
                float_precision: str = "float64", history: str = "zero",
                verbose: bool = False, in_place: bool = True,
                **kwargs: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a circuit for every parameter set of a grid (PyRates 1.x ``grid_search``).

    Parameters
    ----------
    circuit_template
        A :class:`~pyrates_frontend.CircuitTemplate` or a template path; it is not changed.
    param_grid
        ``{name: values}`` or a DataFrame with one row per parameter set.
    param_map
        ``{name: {'vars': ['op/var'], 'nodes': ['node', ...]}}`` (without ``'nodes'``: every
        node that has the variable) or ``{name: {'vars': ['weight'], 'edges': [(source,
        target), ...]}}`` for edge attributes (``weight``, ``delay``, ``spread``,
        edge-operator variables; ends are variable paths or node labels, a third element picks
        one of several parallel edges, the first by default). A name that the model does not
        have is an error.
    step_size, simulation_time, sampling_step_size, solver, backend, vectorize, cutoff
        As in :meth:`CircuitTemplate.run` (``backend='default'`` is ``'numpy'``).
    outputs
        ``{key: 'node/op/var'}`` (or a list of paths) of the single model; default: every
        state variable.
    inputs
        ``{'node/op/var': array}`` of the single model: ``(n_steps,)`` or ``(n_steps, 1)``
        drive every set alike; ``(n_steps, n_sets)`` (``(n_steps, n_sets, k)`` for paths that
        match ``k`` variables) gives every set its own series.
    permute_grid
        All combinations of the value lists (order as PyRates 1.x) instead of row-wise pairs.
    clear, file_name
        With ``file_name`` the generated code is written to that file in the working
        directory; ``clear=False`` leaves it there (as PyRates 1.x), ``clear=True`` removes
        it and all temporary files at the end.
    client
        A ``distributed.Client`` (or a scheduler address) to run the chunks on dask workers.
    chunk_size, memory_budget
        At most ``chunk_size`` sets per chunk; by default as many as fit the working-memory
        budget (bytes or a string like ``'2GiB'``).
    batch
        Send each chunk as one batch (``batch_params``); default: when the backend has the
        ``batch`` capability. ``False`` runs set by set through the same loaded model.
    progress
        Progress bar across sets (tqdm); default: when standard error is a terminal.
    float_precision, history, verbose, in_place
        As in ``run`` (``history``: ``'zero'`` or ``'initial'`` pre-history of delays);
        ``in_place`` has no effect here, the model is never changed.
    **kwargs
        Solver options (``method``, ``rtol``, ...) and backend options (``numba``, ...);
        unknown names are an error.

    Returns
    -------
    results, param_grid
        ``results`` is indexed by time, with column levels ``output``, ``parameterization``
        (``'<circuit name>_<grid index>'``), the node path and ``variable`` (``'op/var'``), so
        ``results['r'][label]`` holds the columns of one set; ``param_grid`` has one row per
        set, indexed by the same labels. ``results.attrs['sweep']`` reports how the sweep ran
        (``n_compiled`` systems, ``n_distinct_code`` distinct generated codes, chunks,
        batching, the free and structural parameters, the settings).
    """
    del in_place  # accepted for PyRates 1.x scripts: the model is never changed
    model = _load(circuit_template)
    table = linearize_grid(param_grid, permute_grid)
    labels = [f"{model.name}_{i}" for i in table.index]
    targets = resolve_targets(model, param_map, table.columns)
    backend = "numpy" if backend == "default" else backend
    be = get_backend(backend)
    if solver not in be.solvers:
        raise ValueError(f"solver '{solver}' is not supported by backend '{be.name}'; choose "
                         f"one of {sorted(be.solvers)}")
    if history not in HISTORY_MODES:
        raise ValueError(f"history must be one of {sorted(HISTORY_MODES)}, got {history!r}")
    if step_size <= 0 or simulation_time <= 0:
        raise ValueError("simulation_time and step_size must be positive")
    solver_opts, extra = split_options(be, solver, kwargs)
    budget = parse_bytes(memory_budget)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, (int, np.integer)) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    if progress is None:
        progress = bool(verbose) or sys.stderr.isatty()
    inputs = dict(inputs or {})
    matched = input_labels(model, inputs)
    compile_kw: dict[str, Any] = {"vectorize": vectorize, "float_precision": float_precision,
                                  "inputs": {lab for labs in matched.values() for lab in labs}}

    n_sets = table.shape[0]
    n_steps = int(round(simulation_time / step_size))
    rows = [{str(c): _scalar(v) for c, v in zip(table.columns, r, strict=True)}
            for r in table.itertuples(index=False, name=None)]
    scale = {str(c): _scale(table[c]) for c in table.columns}
    free, structural, probed = probe_columns(model, targets, scale,
                                             delay_params="delay_params" in be.capabilities,
                                             **compile_kw)
    groups = _groups(rows, structural)
    a_marks = markers(targets, scale)

    file_path = Path.cwd() / file_name if file_name else None
    jobs: list[GroupJob] = []
    per_set_paths: list[str] = []
    out_map: dict[str, str] | None = None
    columns: dict[str, list[tuple]] = {}
    for g, members in enumerate(groups):
        first = rows[members[0]]
        values: dict[Target, Any] = {t: (first[t.column] if t.column in structural
                                         else a_marks[t]) for t in targets}
        system = probed if not structural else compile_with(model, values, **compile_kw)
        found = locate(system, {t: a_marks[t] for t in targets if t.column in free})
        placement = Placement(system, {c: [] for c in free})
        for t, places in found.items():
            if not places:  # pragma: no cover - the probe found it in the first group
                raise SweepError(f"grid_search: cannot place parameter '{t.column}' ({t.path}) "
                                 "in the compiled model")
            placement.positions[t.column].extend(places)
        if out_map is None:
            out_map = _outputs(outputs, system)
        requests, columns_g = output_requests(system, out_map, f"circuit '{model.path}'")
        if g == 0:
            columns = columns_g
        shared, per_set_paths = input_arrays(system, inputs, matched, n_steps, n_sets)
        request = SimulationRequest(
            simulation_time=simulation_time, step_size=step_size, solver=solver,
            sampling_step_size=sampling_step_size, inputs=shared, outputs=requests,
            solver_options=solver_opts, history=history)
        if batch and "batch" not in be.capabilities:
            raise ValueError(f"batch=True: backend '{be.name}' has no 'batch' capability; "
                             "leave batch=None to run set by set")
        batched = batch is not False and "batch" in be.capabilities and (
            not per_set_paths or "batch_inputs" in be.capabilities)
        codegen = CodegenOptions(func_name="vector_field", solver=solver,
                                 adaptive=_adaptive(be, solver), step_size=step_size,
                                 n_steps=n_steps * len(members), extra=dict(extra))
        jobs.append(GroupJob(placement, backend, codegen, request, use_batch=batched,
                             file_path=file_path if g == 0 else None,
                             stats={"columns_g": columns_g}))
    assert out_map is not None

    dask_client: Any = None
    own_client = False
    if client is not None:
        from pyrates_sweep.cluster import connect, n_workers

        dask_client, own_client = connect(client)
    item = np.dtype(jobs[0].placement.system.value_dtype).itemsize
    input_bytes = item * n_steps * sum(len(matched[p]) for p in per_set_paths)

    def with_inputs(task: _Task) -> _Task:
        """The task with its per-set input arrays (built only when the chunk runs)."""
        job, idx, chunk_rows, _ = task
        if not per_set_paths:
            return task
        per = [set_inputs(job.placement.system, inputs, matched, per_set_paths,
                          job.request.inputs, i) for i in idx]
        return job, idx, chunk_rows, per

    tasks: list[_Task] = []
    for job, members in zip(jobs, groups, strict=True):
        need = bytes_per_set(job, _n_cols(columns)) + input_bytes
        size = chunk_size or max(1, budget // max(1, need))
        if chunk_size is None:  # enough chunks for progress and for every dask worker
            parts = 4 * n_workers(dask_client) if dask_client is not None else (
                20 if progress else 1)
            size = min(size, -(-len(members) // parts))
        for start in range(0, len(members), int(size)):
            idx = members[start:start + int(size)]
            tasks.append((job, idx, [rows[i] for i in idx], None))

    bar = _bar(progress, n_sets)
    try:
        if dask_client is not None:
            from pyrates_sweep.cluster import run_on_dask

            results = run_on_dask(dask_client, [with_inputs(t) for t in tasks], labels, bar)
        else:
            results = [_run_local(with_inputs(task), labels, bar) for task in tasks]
    finally:
        if bar is not None:
            bar.close()
        if own_client:
            dask_client.close()
        if clear:
            clear_model_cache()
            if file_path is not None:
                _remove_generated(file_path, be.file_suffix)

    frame = _assemble(results, tasks, columns, list(out_map), labels, cutoff,
                      sampling_step_size or step_size)
    frame.attrs["sweep"] = {
        "n_sets": n_sets, "n_compiled": len(jobs),
        "n_distinct_code": len({r.code_digest for r in results}), "n_chunks": len(tasks),
        "batched": any(r.batched for r in results), "free": free, "structural": structural,
        "backend": be.name, "distributed": client is not None,
        "settings": {"step_size": step_size, "simulation_time": simulation_time,
                     "outputs": dict(out_map), "sampling_step_size": sampling_step_size,
                     "solver": solver, "backend": backend, "vectorize": vectorize,
                     "cutoff": cutoff, "float_precision": float_precision, "history": history,
                     **solver_opts, **extra}}
    out_table = table.copy()
    out_table.index = pd.Index(labels)
    return frame, out_table


def _load(circuit_template: CircuitTemplate | str) -> CircuitTemplate:
    if isinstance(circuit_template, str):
        return CircuitTemplate.from_yaml(circuit_template)
    if not isinstance(circuit_template, CircuitTemplate):
        raise TypeError("circuit_template must be a CircuitTemplate or a template path, got "
                        f"{type(circuit_template).__name__}")
    return copy.deepcopy(circuit_template)


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _scale(values: pd.Series) -> float:
    arr = np.asarray(values, dtype=complex if np.iscomplexobj(values) else float)
    if arr.size == 0 or not np.any(arr):
        return 1.0
    i = int(np.argmax(np.abs(arr)))
    return float(np.real(arr[i])) or 1.0


def _groups(rows: list[dict[str, Any]], structural: list[str]) -> list[list[int]]:
    if not structural:
        return [list(range(len(rows)))]
    out: dict[tuple, list[int]] = {}
    for i, r in enumerate(rows):
        out.setdefault(tuple(r[c] for c in structural), []).append(i)
    return list(out.values())


def _outputs(outputs: Any, system: Any) -> dict[str, str]:
    if outputs is None:
        return default_outputs(system)
    if isinstance(outputs, str):
        return {outputs: outputs}
    if isinstance(outputs, Mapping):
        return {str(k): str(v) for k, v in outputs.items()}
    return {str(p): str(p) for p in outputs}


def _adaptive(be: Any, solver: str) -> bool:
    spec = next((s for s in be.solver_specs if s.name == solver), None)
    return bool(spec.adaptive) if spec is not None else solver == "scipy"


def _n_cols(columns: Mapping[str, list]) -> int:
    return sum(len(v) for v in columns.values())


def _describe(idx: list[int], rows: list[dict[str, Any]], labels: list[str]) -> str:
    shown = ", ".join(f"{labels[i]} {rows[k]}" for k, i in enumerate(idx[:5]))
    return shown + (f" and {len(idx) - 5} more" if len(idx) > 5 else "")


def _run_local(task: _Task, labels: list[str], bar: Any) -> ChunkResult:
    job, idx, rows, per = task
    try:
        res = run_chunk(job, rows, per)
    except Exception as exc:
        raise SweepError(f"grid_search: the chunk of parameter sets {_describe(idx, rows, labels)}"
                         f" failed: {type(exc).__name__}: {exc}") from exc
    if bar is not None:
        bar.update(len(idx))
    return res


def _remove_generated(path: Path, suffix: str) -> None:
    target = path if path.suffix == suffix else path.with_name(path.name + suffix)
    for p in (target, path):
        if p.is_file():
            p.unlink()


def _assemble(results: list[ChunkResult], tasks: list[_Task], columns: dict[str, list[tuple]],
              keys: list[str], labels: list[str], cutoff: float, step: float) -> pd.DataFrame:
    """One DataFrame: time x (output, parameterization, node levels..., variable)."""
    time = results[0].time
    n_sets = len(labels)
    per_set: list[tuple[ChunkResult, int, dict[str, list[tuple]]]] = [None] * n_sets  # type: ignore[list-item]
    for res, (job, idx, _, _) in zip(results, tasks, strict=True):
        if res.time.shape != time.shape:
            raise SweepError("grid_search: chunks returned different time axes")
        for b, i in enumerate(idx):
            per_set[i] = (res, b, job.stats["columns_g"])
    names = [lab for key in keys for lab, _, _ in columns[key]]
    splits = [lab.rsplit("/", 2) for lab in names]
    depths = {len(s[0].split("/")) for s in splits}
    depth = depths.pop() if len(depths) == 1 else 1
    tuples: list[tuple] = []
    blocks: list[np.ndarray] = []
    for key in keys:
        labs = [lab for lab, _, _ in columns[key]]
        for s in range(n_sets):
            res, b, cols_g = per_set[s]
            where = {lab: (req, pos) for lab, req, pos in cols_g[key]}
            for lab in labs:
                req, pos = where[lab]
                blocks.append(res.outputs[req][b, :, pos])
                node, op, var = lab.rsplit("/", 2)
                levels = tuple(node.split("/")) if depth > 1 else (node,)
                tuples.append((key, labels[s], *levels, f"{op}/{var}"))
    node_names = ["node"] if depth == 1 else [f"node_{i}" for i in range(depth)]
    index = pd.MultiIndex.from_tuples(
        tuples, names=["output", "parameterization", *node_names, "variable"])
    data = np.stack(blocks, axis=1) if blocks else np.zeros((time.size, 0))
    keep = time >= float(cutoff) - 1e-9 * step if cutoff else slice(None)  # as run(cutoff)
    return pd.DataFrame(data[keep], index=pd.Index(time[keep], name="time"), columns=index)


PROGRESS_DELAY = 1.0
"""Seconds of work before the progress bar appears (short sweeps stay quiet)."""


def _bar(enabled: bool, total: int) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="grid_search", unit="set", delay=PROGRESS_DELAY)
