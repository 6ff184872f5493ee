"""Summaries, heat maps and sweep files, checked on oscillators of known frequency."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_sweep import grid_search, heatmap, load_sweep, save_sweep, summarize

matplotlib.use("Agg")

FREQS = [2.0, 5.0]
AMPS = [0.5, 1.0, 3.0]
PMAP = {"w": {"vars": ["osc_op/w"], "nodes": ["o"]}, "a": {"vars": ["osc_op/x"], "nodes": ["o"]}}


@pytest.fixture
def oscillator() -> CircuitTemplate:
    """x'' = -w^2 x with x(0) = 1: x = cos(w t)."""
    op = OperatorTemplate("osc_op", equations=["x' = y", "y' = -w**2 * x"],
                          variables={"x": "output(1.0)", "y": "variable(0.0)", "w": 1.0})
    return CircuitTemplate("osc", nodes={"o": NodeTemplate("osc", operators=[op])})


@pytest.fixture
def sweep(oscillator):
    grid = {"w": [2 * np.pi * f for f in FREQS], "a": AMPS}
    res, table = grid_search(oscillator, grid, PMAP, 1e-3, 4.0, {"x": "o/osc_op/x"},
                             sampling_step_size=1e-2, solver="rk4", permute_grid=True,
                             numba=False)
    return res, table


def test_summaries_mean_max_and_dominant_frequency(sweep):
    res, table = sweep
    # initial values change the compiled system's initial state: sets grouped by amplitude
    assert res.attrs["sweep"]["structural"] == ["a"] and res.attrs["sweep"]["n_compiled"] == 3
    summ = summarize(res, stats=("mean", "max", "freq"))
    assert list(summ.index) == list(table.index)
    assert summ.columns.names == ["output", "column", "stat"]
    for label, (w, a) in table.iterrows():
        row = summ.loc[label, "x"].loc["o/osc_op/x"]
        assert row["max"] == pytest.approx(a, rel=1e-6)
        assert abs(row["mean"]) < 0.02 * a
        assert row["freq"] == pytest.approx(w / (2 * np.pi), abs=0.25)  # Welch bins: 0.25 Hz
    with pytest.raises(ValueError, match="unknown statistic"):
        summarize(res, stats=("median",))


def test_heatmap_over_two_parameters(sweep):
    res, table = sweep
    peak = summarize(res, stats=("max",))[("x", "o/osc_op/x", "max")]
    fig, ax = heatmap(peak, table, x="w", y="a")
    image = np.asarray(ax.images[0].get_array())
    assert image.shape == (len(AMPS), len(FREQS))
    np.testing.assert_allclose(image, np.repeat(np.array(AMPS)[:, None], 2, axis=1), rtol=1e-6)
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "a"
    with pytest.raises(KeyError, match="'b' is not a swept parameter"):
        heatmap(peak, table, x="w", y="b")
    two = table.assign(c=0.0)
    both = pd.concat([two, two.rename(index=lambda s: s + "x").assign(c=1.0)])
    with pytest.raises(ValueError, match=r"several sets share.*\['c'\]"):
        heatmap(pd.concat([peak, peak.rename(lambda s: s + "x")]), both, x="w", y="a")
    matplotlib.pyplot.close(fig)


def test_sweep_file_round_trip_and_rerun(sweep, oscillator, tmp_path):
    res, table = sweep
    path = save_sweep(tmp_path / "osc_sweep", res, table, oscillator, PMAP)
    assert path.name == "osc_sweep.parquet"
    with pytest.raises(FileExistsError):
        save_sweep(path, res, table, oscillator, PMAP)
    rec = load_sweep(path)
    pd.testing.assert_frame_equal(rec.results, res, check_freq=False)
    np.testing.assert_array_equal(rec.param_grid.to_numpy(), table.to_numpy())
    assert list(rec.param_grid.index) == list(table.index)
    assert rec.settings["solver"] == "rk4" and rec.settings["numba"] is False
    assert rec.circuit().get_var("o/osc_op/w") == 1.0
    again, table2 = rec.rerun()
    pd.testing.assert_frame_equal(again, res, rtol=0, atol=0)
    assert list(table2.index) == list(table.index)
