"""Running chunks of parameter sets through one generated and loaded model.

A :class:`GroupJob` holds everything needed to simulate sets of one compiled system: the
system, where the swept values go (:class:`~pyrates_sweep.probe.Placement`), the backend name,
the code-generation options and a request template. It is plain data, so it can be sent to
dask workers; :func:`run_chunk` works the same in this process and on a worker. Loaded
models are kept per process (keyed by backend and generated source), so every process
generates and loads a group's model once.
"""

from __future__ import annotations

import copy
import hashlib
import tempfile
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from pyrates_core.backend import CodegenOptions, LoadedModel, SimulationRequest
from pyrates_core.registry import get_backend
from pyrates_sweep.probe import Placement

__all__ = ["ChunkResult", "GroupJob", "clear_model_cache", "run_chunk"]

_MAX_MODELS = 8
_models: OrderedDict[str, tuple[LoadedModel, Any]] = OrderedDict()
"""Loaded models of this process: key -> (model, temporary directory kept alive with it)."""


@dataclass
class GroupJob:
    """One compiled system and how to run parameter sets through it."""

    placement: Placement
    backend: str
    codegen: CodegenOptions
    request: SimulationRequest
    """Template request (shared inputs, outputs, solver options); per-set values are added."""
    use_batch: bool = True
    """Use ``request.batch_params`` when the backend has the ``batch`` capability."""
    file_path: Path | None = None
    """Load the code into this file (``file_name`` of grid_search) instead of a temporary one."""
    stats: dict[str, Any] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Identifies the compiled system: a loaded model holds its system, so two groups with
    the same generated source (e.g. other delays) must not share one."""


@dataclass
class ChunkResult:
    """Recorded outputs of a chunk of ``B`` sets."""

    time: np.ndarray
    outputs: dict[str, np.ndarray]
    """Request key -> array ``(B, n_samples, n_indices)``."""
    batched: bool
    """Whether the chunk ran as one batched integration."""
    compiled: bool
    """Whether this chunk generated and loaded the model (False: reused)."""
    code_digest: str = ""
    """Hash of the generated code (equal for groups whose code does not differ)."""


def clear_model_cache() -> None:
    """Forget the loaded models of this process (and delete their temporary files)."""
    while _models:
        _, (_, tmp) = _models.popitem()
        if tmp is not None:
            tmp.cleanup()


def _model(job: GroupJob) -> tuple[Any, LoadedModel, bool, str]:
    be = get_backend(job.backend)
    code = be.generate(job.placement.system, job.codegen)
    digest = hashlib.sha256(code.source.encode())
    for name in sorted(code.files):
        digest.update(name.encode() + b"\0" + code.files[name].encode())
    code_digest = digest.hexdigest()
    key = f"{job.backend}:{code_digest}:{job.token}:{job.file_path}"
    if key in _models:
        _models.move_to_end(key)
        return be, _models[key][0], False, code_digest
    if job.file_path is not None:
        job.file_path.parent.mkdir(parents=True, exist_ok=True)
        model = be.load(code, job.file_path.parent, job.file_path.name)
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pyrates_sweep_")
        model = be.load(code, Path(tmp.name))
    _models[key] = (model, tmp)
    while len(_models) > _MAX_MODELS:
        _, (_, old) = _models.popitem(last=False)
        if old is not None:
            old.cleanup()
    return be, model, True, code_digest


def run_chunk(job: GroupJob, rows: list[dict[str, Any]],
              inputs: list[dict[str, np.ndarray]] | None = None) -> ChunkResult:
    """Simulate the parameter sets ``rows`` (column -> value) of ``job``.

    ``inputs`` gives per-set input arrays (one dict per row) that replace the shared ones.
    The chunk runs as one batch where the backend can (``batch``, and ``batch_inputs`` for
    per-set inputs), else set by set.
    """
    be, model, compiled, digest = _model(job)
    place = job.placement
    caps = be.capabilities
    batch = (job.use_batch and "batch" in caps and len(rows) > 1
             and (inputs is None or "batch_inputs" in caps))
    if batch:
        per_set = {} if inputs is None else {
            k: np.stack([np.asarray(inp[k]) for inp in inputs]) for k in inputs[0]}
        req = replace(job.request, batch_params=place.batch_params(rows), batch_inputs=per_set)
        res = be.integrate(model, req)
        outs = {k: np.asarray(v) for k, v in res.outputs.items()}
        for k, v in outs.items():
            if v.ndim != 3 or v.shape[0] != len(rows):
                raise RuntimeError(f"backend '{job.backend}' returned output '{k}' of shape "
                                   f"{v.shape} for a batch of {len(rows)} sets; expected "
                                   "(B, n_samples, n_indices)")
        return ChunkResult(np.asarray(res.time), outs, True, compiled, digest)
    per_key: dict[str, list[np.ndarray]] = {}
    time = np.zeros(0)
    for i, row in enumerate(rows):
        req = replace(job.request, param_values=place.param_values(row))
        if inputs is not None:
            req.inputs = {**job.request.inputs, **inputs[i]}
        res = be.integrate(model, req)
        time = np.asarray(res.time)
        for k, v in res.outputs.items():
            per_key.setdefault(k, []).append(np.asarray(v))
    return ChunkResult(time, {k: np.stack(v) for k, v in per_key.items()}, False, compiled,
                       digest)


def bytes_per_set(job: GroupJob, n_cols: int) -> int:
    """Working memory one parameter set needs in a chunk (recorded rows, state, history)."""
    system = job.placement.system
    req = job.request
    item = np.dtype(system.value_dtype).itemsize
    stride = (req.sampling_step_size or req.step_size) / req.step_size
    n_samples = int(round(req.n_steps / max(stride, 1.0))) + 1
    sizes = system.symbol_sizes()
    hist = sum((d / req.step_size + 4) * sizes.get(s, 1) * 2
               for s, d in system.delayed_symbols().items())
    params = sum(np.asarray(p.value).size for p in system.params.values())
    return int(item * (2 * n_samples * n_cols + 16 * system.n_state + hist + params))


def copy_job(job: GroupJob) -> GroupJob:
    """A copy that can be sent elsewhere (no file output, fresh stats)."""
    new = copy.copy(job)
    new.file_path = None
    new.stats = {}
    return new
