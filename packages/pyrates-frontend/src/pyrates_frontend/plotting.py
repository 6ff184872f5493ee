"""Plotting helpers (matplotlib, the ``plot`` extra): each returns ``(figure, axes)``.

* :func:`plot_timeseries` - the columns of a ``run`` result against time;
* :func:`plot_phase_portrait` - one output against another;
* :func:`plot_connectivity` - a network's weight (and delay) matrices as images;
* :func:`plot_heatmap` - a summary value over two swept parameters;
* :func:`plot_bifurcation` - a continuation branch with its stability and special points.

matplotlib is imported only when a function is called, so ``pyrates_frontend`` does not need it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_bifurcation", "plot_connectivity", "plot_heatmap", "plot_phase_portrait",
           "plot_timeseries"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plotting needs matplotlib: pip install 'pyrates[plot]' "
                          "(or pip install matplotlib)") from exc
    return plt


def _axes(ax: Any, **subplot: Any) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    return _pyplot().subplots(**subplot)


def _frame(result: Any, name: str) -> pd.DataFrame:
    if isinstance(result, pd.Series):
        return result.to_frame()
    if not isinstance(result, pd.DataFrame):
        raise TypeError(f"{name} expects the pandas DataFrame that run() returns, "
                        f"got {type(result).__name__}")
    if result.empty:
        raise ValueError(f"{name}: the result has no rows or no columns to plot")
    return result


def plot_timeseries(result: pd.DataFrame | pd.Series, columns: list[Any] | None = None,
                    ax: Any = None, title: str | None = None,
                    ylabel: str = "value") -> tuple[Any, Any]:
    """Plot outputs of a ``run`` result (all columns, or ``columns``) against time."""
    frame = _frame(result, "plot_timeseries")
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"plot_timeseries: no column(s) {missing}; the result has "
                           f"{list(frame.columns)}")
        frame = frame[columns]
    fig, ax = _axes(ax, figsize=(8, 3.5))
    for col in frame.columns:
        label = "/".join(map(str, col)) if isinstance(col, tuple) else str(col)
        ax.plot(frame.index.to_numpy(), np.real(frame[col].to_numpy()), label=label, lw=1.0)
    ax.set_xlabel(str(frame.index.name or "time"))
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if 1 < frame.shape[1] <= 12:
        ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    return fig, ax


def plot_phase_portrait(result: pd.DataFrame, x: Any, y: Any, ax: Any = None,
                        cutoff: float | None = None) -> tuple[Any, Any]:
    """Plot column ``y`` against column ``x`` (from time ``cutoff`` on, if given)."""
    frame = _frame(result, "plot_phase_portrait")
    for c in (x, y):
        if c not in frame.columns:
            raise KeyError(f"plot_phase_portrait: no column {c!r}; the result has "
                           f"{list(frame.columns)}")
    if cutoff is not None:
        frame = frame[frame.index >= cutoff]
    fig, ax = _axes(ax, figsize=(4.5, 4.5))
    ax.plot(np.real(frame[x].to_numpy()), np.real(frame[y].to_numpy()), lw=1.0)
    ax.set_xlabel(str(x))
    ax.set_ylabel(str(y))
    fig.tight_layout()
    return fig, ax


def plot_connectivity(weights: Any, delays: Any = None, labels: list[str] | None = None,
                      cmap: str = "viridis") -> tuple[Any, Any]:
    """Show a weight matrix ([target, source], as in ``add_edges_from_matrix``) and optionally
    the delay matrix beside it.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"plot_connectivity: weights must be a 2-D matrix, got shape {w.shape}")
    mats = [("weights", w)]
    if delays is not None:
        d = np.asarray(delays, dtype=float)
        if d.shape != w.shape:
            raise ValueError(f"plot_connectivity: delays have shape {d.shape}, weights {w.shape}")
        mats.append(("delays", d))
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(mats), figsize=(4.8 * len(mats), 4.2), squeeze=False)
    for ax, (name, m) in zip(axes[0], mats):
        im = ax.imshow(m, cmap=cmap, interpolation="nearest")
        ax.set_title(name)
        ax.set_xlabel("source")
        ax.set_ylabel("target")
        if labels is not None and len(labels) == m.shape[0] <= 30:
            ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize="x-small")
            ax.set_yticks(range(len(labels)), labels, fontsize="x-small")
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig, axes[0]


def plot_heatmap(values: pd.DataFrame | pd.Series, x: str | None = None, y: str | None = None,
                 value: str | None = None, ax: Any = None, cmap: str = "magma",
                 label: str | None = None) -> tuple[Any, Any]:
    """A heat map of a summary over two swept parameters.

    ``values`` is either a table with one row per parameter set and columns ``x``, ``y`` and
    ``value``, or a Series indexed by a two-level (x, y) MultiIndex.
    """
    if isinstance(values, pd.Series):
        if values.index.nlevels != 2:
            raise ValueError("plot_heatmap: a Series needs a two-level (x, y) index")
        table = values.unstack(level=0)
        x = x or str(values.index.names[0])
        y = y or str(values.index.names[1])
        label = label or str(values.name or "value")
    else:
        for c in (x, y, value):
            if c is None or c not in values.columns:
                raise KeyError(f"plot_heatmap: column {c!r} not in {list(values.columns)}; "
                               "pass x=, y= and value= column names")
        table = values.pivot_table(index=y, columns=x, values=value)
        label = label or str(value)
    fig, ax = _axes(ax, figsize=(5.5, 4.5))
    xs, ys = table.columns.to_numpy(), table.index.to_numpy()
    mesh = ax.pcolormesh(_edges(xs), _edges(ys), table.to_numpy(dtype=float), cmap=cmap,
                         shading="flat")
    ax.set_xlabel(str(x))
    ax.set_ylabel(str(y))
    fig.colorbar(mesh, ax=ax, label=label)
    fig.tight_layout()
    return fig, ax


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres (for pcolormesh)."""
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def plot_bifurcation(branch: pd.DataFrame, parameter: str, variable: str,
                     stable: str = "stable", point: str = "point", ax: Any = None
                     ) -> tuple[Any, Any]:
    """Plot a continuation branch: ``variable`` over ``parameter``, solid where ``stable`` is
    true and dashed where not; rows whose ``point`` column names a special point (e.g. 'LP',
    'HB') are marked and labelled.
    """
    for c in (parameter, variable):
        if c not in branch.columns:
            raise KeyError(f"plot_bifurcation: column {c!r} not in {list(branch.columns)}")
    fig, ax = _axes(ax, figsize=(6, 4))
    p = branch[parameter].to_numpy(dtype=float)
    v = np.real(branch[variable].to_numpy())
    st = branch[stable].to_numpy(dtype=bool) if stable in branch.columns else np.ones(len(p), bool)
    start = 0
    for i in range(1, len(p) + 1):
        if i == len(p) or st[i] != st[start]:
            seg = slice(start, min(i + 1, len(p)))
            ax.plot(p[seg], v[seg], "k-" if st[start] else "k--", lw=1.2)
            start = i
    if point in branch.columns:
        special = branch[branch[point].astype(str).str.strip().isin(["LP", "HB", "BP", "PD",
                                                                    "TR", "GH", "BT", "ZH"])]
        for _, row in special.iterrows():
            ax.plot(row[parameter], np.real(row[variable]), "o", color="tab:red", ms=5)
            ax.annotate(str(row[point]).strip(), (row[parameter], np.real(row[variable])),
                        textcoords="offset points", xytext=(4, 4), fontsize="small")
    ax.set_xlabel(parameter)
    ax.set_ylabel(variable)
    fig.tight_layout()
    return fig, ax
