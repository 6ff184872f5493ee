"""Running the chunks of a sweep on dask.distributed (optional extra ``pyrates-sweep[dask]``).

Each chunk is one dask task (:func:`pyrates_sweep.engine.run_chunk`); a group's job (its
compiled system and request) is scattered to the workers once. dask retries a failed task
once (``retries=1``); a chunk that fails again is reported with its parameter sets. Results
are returned in the order of the chunks, whatever order they finish in.
"""

from __future__ import annotations

from typing import Any

from pyrates_sweep.engine import ChunkResult, copy_job, run_chunk
from pyrates_sweep.prepare import SweepError

__all__ = ["connect", "n_workers", "run_on_dask"]


def connect(client: Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` from a client or a scheduler address; True if opened here."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ImportError("grid_search(client=...) needs dask.distributed: "
                          "pip install 'pyrates-sweep[dask]'") from exc
    if isinstance(client, str):
        return Client(client), True
    if not isinstance(client, Client):
        raise TypeError("client must be a distributed.Client or a scheduler address such as "
                        f"'tcp://127.0.0.1:8786', got {type(client).__name__}")
    return client, False


def n_workers(client: Any) -> int:
    """Number of workers the scheduler knows (at least 1)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def run_on_dask(client: Any, tasks: list[tuple], labels: list[str], bar: Any) -> list[ChunkResult]:
    """Run ``tasks`` (job, set indices, rows, per-set inputs) on dask; results in task order."""
    from distributed import as_completed

    scattered: dict[int, Any] = {}
    futures = []
    for job, _idx, rows, per in tasks:
        if id(job) not in scattered:
            scattered[id(job)] = client.scatter(copy_job(job), broadcast=True, hash=False)
        futures.append(client.submit(run_chunk, scattered[id(job)], rows, per,
                                     retries=1, pure=False))
    position = {f.key: k for k, f in enumerate(futures)}
    results: list[ChunkResult | None] = [None] * len(futures)
    failures: list[str] = []
    for fut in as_completed(futures):
        k = position[fut.key]
        _, idx, rows, _ = tasks[k]
        if fut.status == "error":
            exc = fut.exception()
            sets = ", ".join(f"{labels[i]} {r}" for i, r in zip(idx, rows, strict=True))
            failures.append(f"chunk {k} (sets {sets}): {type(exc).__name__}: {exc}")
        else:
            results[k] = fut.result()
        if bar is not None:
            bar.update(len(idx))
    if failures:
        raise SweepError("grid_search on dask: chunk(s) failed twice (retried once):\n  "
                         + "\n  ".join(failures))
    return [r for r in results if r is not None]
