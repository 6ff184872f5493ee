"""Gather tables: padded and flat layouts agree with a direct sum over the read entries."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from pyrates_core import gather_tables as gt
from pyrates_core import lowering
from pyrates_core.functions import EdgeSum, Past
from pyrates_core.system import EdgeBundle, ParameterSpec, StateSpec, SystemIR


def _system() -> SystemIR:
    x, tau = sp.symbols("x tau")
    src = np.array([0, 1, 2, 0, 1], np.int64)
    tgt = np.array([1, 1, 0, 2, 1], np.int64)
    bundle = EdgeBundle("b", "x", 3, 3, src, tgt, "w", np.array([0.0, 0.2, 0.3, 0.3, 0.0]))
    return SystemIR([StateSpec("x", 0, np.ones(3), ["x0", "x1", "x2"])],
                    [EdgeSum(x, 0) - Past(x, tau)],
                    {"w": ParameterSpec("w", np.array([1.0, 2, 3, 4, 5]), role="weight"),
                     "tau": ParameterSpec("tau", np.asarray(0.3), role="delay")}, {}, [],
                    [bundle])


def test_target_slots_group_entries_stably() -> None:
    out = np.array([2, 0, 2, 2, 1])
    slots, width = gt.target_slots(out, 4)
    assert slots.tolist() == [0, 0, 1, 2, 0] and width == 3
    assert gt.target_slots(np.zeros(0, np.int64), 3)[1] == 1


@pytest.mark.parametrize("flat", [False, True])
def test_adaptive_tables_sum_weighted_delayed_values(flat: bool) -> None:
    system = _system()
    reads = lowering.delay_reads(system)
    tables = gt.adaptive_tables(system, reads, [flat, False], {})
    delays = tables.delays["x"]
    assert delays.tolist() == [0.2, 0.3] and tables.min_delay == pytest.approx(0.2)
    hist = {d: np.array([10.0, 20.0, 30.0]) * (k + 1) for k, d in enumerate(delays)}
    window = np.concatenate([hist[d] for d in delays])
    t = tables.tables[0]
    got = (np.bincount(t[2], t[1] * window[t[0]], minlength=3) if flat else
           (t[1] * window[t[0]]).sum(axis=0))
    # delayed edges: 1 -> 1 (w 2, d 0.2), 2 -> 0 (w 3, d 0.3), 0 -> 2 (w 4, d 0.3)
    np.testing.assert_allclose(got, [3 * hist[0.3][2], 2 * hist[0.2][1], 4 * hist[0.3][0]])


def test_fixed_step_tables_stack_stages_and_mask_activation() -> None:
    system = _system()
    reads = lowering.delay_reads(system)
    tables = gt.fixed_step_tables(system, reads, [False, True], {}, 0.1, stages=(0,))
    assert tables.lengths["x"] == 3 + 3
    idx, w = tables.tables[0]
    assert idx.shape[0] == len(gt.STAGE_OFFSETS)
    np.testing.assert_array_equal(w[1], w[0])  # unbuilt stages repeat the first
    mask = tables.zero_history_mask()
    assert mask.steps[mask.steps > 0].tolist() == [2, 3]
    assert not mask.work[0].any()  # every delayed tap starts inactive
    with pytest.raises(Exception, match="shorter than the step size"):
        gt.fixed_step_tables(system, reads, [False, False], {}, 0.25)


def test_undelayed_edges_dense_and_sparse_agree() -> None:
    system = _system()
    (mat,) = gt.undelayed_edges(system, 0, {"w": np.full(5, 2.0)}, dense=True)
    src, tgt, w = gt.undelayed_edges(system, 0, {"w": np.full(5, 2.0)}, dense=False)
    x = np.array([1.0, 10.0, 100.0])
    np.testing.assert_allclose(mat @ x, np.bincount(tgt, w * x[src], minlength=3))
    np.testing.assert_allclose(mat @ x, [0.0, 2 * 1 + 2 * 10, 0.0])
