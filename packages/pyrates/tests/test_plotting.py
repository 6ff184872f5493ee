"""Plotting helpers: each draws what it is given and returns (figure, axes)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pyrates_frontend.plotting import (  # noqa: E402
    plot_bifurcation,
    plot_connectivity,
    plot_heatmap,
    plot_phase_portrait,
    plot_timeseries,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    t = np.linspace(0, 1, 101)
    return pd.DataFrame({"x": np.cos(2 * np.pi * t), "y": np.sin(2 * np.pi * t)},
                        index=pd.Index(t, name="time"))


def test_timeseries_draws_every_column(frame):
    fig, ax = plot_timeseries(frame, title="circle")
    assert len(ax.lines) == 2
    np.testing.assert_allclose(ax.lines[1].get_ydata(), frame["y"].to_numpy())
    assert ax.get_title() == "circle" and ax.get_xlabel() == "time"
    fig2, ax2 = plot_timeseries(frame, columns=["x"])
    assert len(ax2.lines) == 1
    with pytest.raises(KeyError, match="'z'"):
        plot_timeseries(frame, columns=["z"])
    with pytest.raises(TypeError, match="DataFrame"):
        plot_timeseries([1, 2, 3])


def test_phase_portrait_is_the_unit_circle(frame):
    _, ax = plot_phase_portrait(frame, "x", "y", cutoff=0.5)
    xs, ys = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert len(xs) == 51
    np.testing.assert_allclose(xs ** 2 + ys ** 2, 1.0, atol=1e-12)


def test_connectivity_shows_weights_and_delays():
    w = np.arange(9.0).reshape(3, 3)
    fig, axes = plot_connectivity(w, delays=w * 2, labels=["a", "b", "c"])
    assert len(axes) == 2
    np.testing.assert_array_equal(axes[1].images[0].get_array(), w * 2)
    with pytest.raises(ValueError, match="shape"):
        plot_connectivity(w, delays=np.zeros((2, 2)))


def test_heatmap_pivots_two_parameters():
    grid = pd.DataFrame([(a, b, a * 10 + b) for a in (1.0, 2.0, 3.0) for b in (0.1, 0.2)],
                        columns=["J", "eta", "r"])
    _, ax = plot_heatmap(grid, x="J", y="eta", value="r")
    data = ax.collections[0].get_array().reshape(2, 3)
    np.testing.assert_allclose(data, [[10.1, 20.1, 30.1], [10.2, 20.2, 30.2]])
    series = grid.set_index(["J", "eta"])["r"]
    _, ax = plot_heatmap(series)
    assert ax.get_xlabel() == "J" and ax.get_ylabel() == "eta"
    with pytest.raises(KeyError, match="value"):
        plot_heatmap(grid, x="J", y="eta", value="missing")


def test_bifurcation_marks_special_points():
    p = np.linspace(-1, 1, 21)
    branch = pd.DataFrame({"mu": p, "r": np.zeros_like(p), "stable": p < 0,
                           "point": ["HB" if abs(v) < 1e-12 else "" for v in p]})
    _, ax = plot_bifurcation(branch, "mu", "r")
    styles = [line.get_linestyle() for line in ax.lines]
    assert "-" in styles and "--" in styles
    assert [t.get_text() for t in ax.texts] == ["HB"]
