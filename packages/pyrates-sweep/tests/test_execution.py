"""How the sets run: batched backends, dask workers, progress; always the same numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.registry import register_backend
from pyrates_sweep import SweepError, grid_search

QIF = "model_templates.neural_mass_models.qif.qif"
RUN = {"numba": False}


class LoopingBatchBackend(NumpyBackend):
    """The NumPy backend claiming 'batch': runs ``batch_params`` one set at a time.

    It checks what grid_search sends: arrays (B, *shape) of the system's parameters.
    """

    name = "batchy"
    capabilities = NumpyBackend.capabilities | {"batch"}
    calls: list[int] = []

    def integrate(self, model, request):
        """Integrate every set of the batch with the NumPy backend; stack the outputs."""
        if not request.batch_params:
            return super().integrate(model, request)
        system = model.code.system
        sizes = {v.shape[0] for v in request.batch_params.values()}
        assert len(sizes) == 1
        B = sizes.pop()
        for name, v in request.batch_params.items():
            assert v.shape[1:] == np.shape(system.params[name].value)
        type(self).calls.append(B)
        outs = []
        for b in range(B):
            one = dataclasses.replace(request, batch_params={},
                                      param_values={k: v[b] for k, v in
                                                    request.batch_params.items()})
            outs.append(super().integrate(model, one))
        res = outs[0]
        res.outputs = {k: np.stack([o.outputs[k] for o in outs]) for k in res.outputs}
        return res


register_backend("batchy", LoopingBatchBackend)


def test_batch_capability_runs_chunks_as_one_batch(pair):
    grid = {"tau": [0.5, 1.0, 2.0, 4.0], "w": [1.0, -1.0, 2.0, 0.5]}
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]},
            "w": {"vars": ["weight"], "edges": [("a", "b")]}}
    kw = dict(outputs={"r": "all/li_op/r"}, solver="rk4", **RUN)
    LoopingBatchBackend.calls.clear()
    batched, _ = grid_search(pair, grid, pmap, 1e-2, 1.0, backend="batchy", chunk_size=3, **kw)
    plain, _ = grid_search(pair, grid, pmap, 1e-2, 1.0, batch=False, **kw)
    assert LoopingBatchBackend.calls == [3]  # the last chunk (one set) runs unbatched
    assert batched.attrs["sweep"]["batched"] and not plain.attrs["sweep"]["batched"]
    pd.testing.assert_frame_equal(batched, plain, rtol=0, atol=0)
    numpy_batch, _ = grid_search(pair, grid, pmap, 1e-2, 1.0, **kw)  # the backend's own batch
    assert numpy_batch.attrs["sweep"]["batched"]
    pd.testing.assert_frame_equal(numpy_batch, plain, rtol=0, atol=0)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed", reason="needs pyrates-sweep[dask]")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_results_equal_the_in_process_path(dask_client):
    grid = {"eta": np.linspace(-6.0, 3.0, 7)}
    pmap = {"eta": {"vars": ["qif_op/eta"], "nodes": ["p"]}}
    kw = dict(outputs={"r": "p/qif_op/r", "v": "p/qif_op/v"}, chunk_size=2, **RUN)
    here, t1 = grid_search(QIF, grid, pmap, 1e-2, 5.0, **kw)
    there, t2 = grid_search(QIF, grid, pmap, 1e-2, 5.0, client=dask_client, **kw)
    assert there.attrs["sweep"]["distributed"] and there.attrs["sweep"]["n_chunks"] == 4
    pd.testing.assert_frame_equal(here, there, rtol=0, atol=0)
    pd.testing.assert_frame_equal(t1, t2)
    # a scheduler address works too; without chunk_size every worker gets chunks
    kw.pop("chunk_size")
    again, _ = grid_search(QIF, grid, pmap, 1e-2, 5.0, client=dask_client.scheduler.address,
                           **kw)
    assert again.attrs["sweep"]["n_chunks"] == 7  # 4 chunks per worker, at least one set each
    pd.testing.assert_frame_equal(here, again, rtol=0, atol=0)


def test_dask_failed_chunk_is_retried_then_reported(dask_client, pair):
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]}}
    with pytest.raises(SweepError, match=r"(?s)retried once.*pair_2 \{'tau': -1e-06\}.*diverged"):
        grid_search(pair, {"tau": [1.0, 2.0, -1e-6]}, pmap, 1e-2, 1.0, {"b": "b/li_op/r"},
                    client=dask_client, chunk_size=1, **RUN)


def test_progress_bar_counts_sets(pair, capsys, monkeypatch):
    import pyrates_sweep.search as search

    monkeypatch.setattr(search, "PROGRESS_DELAY", 0.0)
    pmap = {"tau": {"vars": ["li_op/tau"], "nodes": ["b"]}}
    grid_search(pair, {"tau": [1.0, 2.0, 3.0]}, pmap, 1e-2, 0.5, {"b": "b/li_op/r"},
                chunk_size=2, progress=True, **RUN)
    err = capsys.readouterr().err
    assert "grid_search" in err and "3/3" in err
