"""The run path of repeated runs: no files, no reload, results framed without copies."""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate, simulation

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _ring(n: int = 4) -> CircuitTemplate:
    """n leaky nodes x' = -x / tau + inp, each driving the next (weights 0.5)."""
    op = OperatorTemplate("leak", equations="x' = -x / tau + inp",
                          variables={"x": "output(1.0)", "inp": "input(0.0)", "tau": 2.0})
    node = NodeTemplate("leak_node", operators=[op])
    names = [f"p{i}" for i in range(n)]
    edges = [(f"{a}/leak/x", f"{b}/leak/inp", None, {"weight": 0.5})
             for a, b in zip(names, names[1:] + names[:1], strict=True)]
    return CircuitTemplate("ring", nodes={nm: node for nm in names}, edges=edges)


def _reference_frame(result, columns, outputs, cutoff, step):  # noqa: ANN001, ANN202
    """The framing before it went copy-free: a dict of columns, then a row mask."""
    keys = [c[0] for c in columns]
    multi = len(set(keys)) != len(keys) or (
        isinstance(outputs, dict) and any("all" in p.split("/") for p in outputs.values()))
    data = {}
    for key, lab, req, pos in columns:
        data[(key, simulation._node_of(lab)) if multi else key] = result.outputs[req][:, pos]
    df = pd.DataFrame(data, index=pd.Index(result.time, name="time"))
    if multi:
        df.columns = pd.MultiIndex.from_tuples(df.columns, names=["output", "node"])
    if cutoff:
        df = df.loc[df.index.to_numpy() >= float(cutoff) - 1e-9 * step]
    return df


def _recorded(n_rows: int, n_cols: int, splits: dict[str, slice]) -> SimpleNamespace:
    rec = np.random.default_rng(1).standard_normal((n_rows, n_cols))
    return SimpleNamespace(rec=rec, time=np.arange(n_rows) * 0.1,
                           outputs={k: rec[:, sl] for k, sl in splits.items()})


@pytest.mark.parametrize("cutoff", [0.0, 0.35])
def test_frame_is_a_view_of_the_recording_and_equals_the_old_framing(cutoff: float) -> None:
    res = _recorded(20, 5, {"r@x": slice(0, 3), "r@y": slice(3, 5)})
    columns = [("E", f"n{i}/op/x", "r@x", i) for i in range(3)]
    columns += [("I", f"n{i}/op/y", "r@y", i) for i in range(2)]
    outputs = {"E": "all/op/x", "I": "all/op/y"}
    got = simulation._frame(res, columns, outputs, simulation._first_row(res.time, cutoff, 0.1))
    pd.testing.assert_frame_equal(got, _reference_frame(res, columns, outputs, cutoff, 0.1),
                                  check_exact=True)
    assert np.shares_memory(got.to_numpy(), res.rec)  # no copy of the data
    assert got.index[0] == pytest.approx(0.4 if cutoff else 0.0)


def test_frame_of_columns_out_of_order_gathers_them() -> None:
    res = _recorded(10, 3, {"a@x": slice(0, 3)})
    columns = [("c", "n2/op/x", "a@x", 2), ("a", "n0/op/x", "a@x", 0)]
    got = simulation._frame(res, columns, {"c": "n2/op/x", "a": "n0/op/x"})
    pd.testing.assert_frame_equal(got, _reference_frame(res, columns, None, 0.0, 0.1),
                                  check_exact=True)
    assert not np.shares_memory(got.to_numpy(), res.rec)


def test_repeated_run_reuses_the_loaded_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyrates_backend_numpy import backend as numpy_backend

    kw = {"simulation_time": 2.0, "step_size": 1e-3, "outputs": {"x": "all/leak/x"},
          "verbose": False, "numba": False}
    first = _ring().run(**kw)
    executed: list[str] = []
    real = numpy_backend._exec_in_memory
    monkeypatch.setattr(numpy_backend, "_exec_in_memory",
                        lambda source, key: executed.append(key) or real(source, key))
    again = _ring().run(**kw)
    assert executed == []  # same structure: neither executed nor compiled again
    pd.testing.assert_frame_equal(again, first, check_exact=True)
    changed = _ring()
    changed.update_var(node_vars={"all/leak/tau": 4.0})
    slow = changed.run(**kw)
    assert executed == []  # new parameter values only: still the same code
    # the first node has decayed less with tau = 4 (values come from the new run)
    assert slow["x"].iloc[-1, 0] > first["x"].iloc[-1, 0]


def test_runs_leave_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd, tmp = tmp_path / "run_here", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("PYRATES_CACHE_DIR", "off")
    made: list[str] = []
    real = tempfile.TemporaryDirectory
    monkeypatch.setattr(tempfile, "TemporaryDirectory",
                        lambda *a, **k: made.append("dir") or real(*a, **k))
    for numba in (False, True):
        if numba:
            pytest.importorskip("numba")
        _ring(3).run(1.0, 1e-2, outputs={"x": "all/leak/x"}, verbose=False, numba=numba,
                     cutoff=0.5)
    assert list(cwd.iterdir()) == [] and list(tmp.iterdir()) == []
    assert made == []  # the NumPy backend loads from memory: not even a temporary folder
