"""Per-set summaries of sweep results and heat maps over two swept parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import welch

__all__ = ["dominant_frequency", "heatmap", "summarize"]

_STATS = ("mean", "max", "min", "std", "freq")


def dominant_frequency(x: np.ndarray, fs: float, nperseg: int | None = None) -> float:
    """Frequency of the largest peak of the Welch power spectral density of ``x`` (no DC)."""
    x = np.asarray(x, dtype=float)
    if x.size < 4:
        raise ValueError("dominant_frequency needs at least 4 samples")
    seg = min(x.size, nperseg or 2048)
    f, pxx = welch(x, fs=fs, nperseg=seg)
    if f.size < 2 or not np.any(pxx[1:] > 0):
        return 0.0
    return float(f[1 + int(np.argmax(pxx[1:]))])


def summarize(results: pd.DataFrame, stats: Sequence[str] = ("mean", "max", "freq"),
              cutoff: float | None = None, nperseg: int | None = None) -> pd.DataFrame:
    """One row per parameter set; columns ``(output, column, stat)``.

    ``column`` joins the node and variable levels (``'p/qif_op/r'``); ``stats`` are taken
    from ``mean``, ``max``, ``min``, ``std`` and ``freq`` (dominant frequency of the Welch PSD,
    in 1 / time unit, sampling rate from the time index). ``cutoff`` drops earlier rows.
    """
    bad = [s for s in stats if s not in _STATS]
    if bad:
        raise ValueError(f"summarize: unknown statistic(s) {bad}; choose from {list(_STATS)}")
    if not isinstance(results.columns, pd.MultiIndex) or results.columns.nlevels < 3:
        raise ValueError("summarize expects grid_search results (column levels output, "
                         "parameterization, node..., variable)")
    data = results if cutoff is None else results.loc[results.index >= cutoff]
    t = data.index.to_numpy(dtype=float)
    if t.size < 2:
        raise ValueError("summarize: fewer than two time points (check cutoff)")
    fs = 1.0 / float(np.median(np.diff(t)))
    labels = list(dict.fromkeys(data.columns.get_level_values(1)))
    rows: dict[str, dict[tuple, float]] = {lab: {} for lab in labels}
    values = data.to_numpy()
    for j, col in enumerate(data.columns):
        key, label, *rest = col
        name = "/".join(str(r) for r in rest if str(r))
        x = values[:, j].real if np.iscomplexobj(values) else values[:, j]
        for s in stats:
            if s == "freq":
                v = dominant_frequency(x, fs, nperseg)
            else:
                v = float(getattr(np, s)(x))
            rows[label][(key, name, s)] = v
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["output", "column", "stat"])
    out.index.name = "parameterization"
    return out


def heatmap(values: pd.Series, param_grid: pd.DataFrame, x: str, y: str, ax: Any = None,
            cmap: str = "viridis", colorbar: bool = True, **kwargs: Any) -> tuple[Any, Any]:
    """Heat map of a per-set summary over two swept parameters; returns ``(fig, ax)``.

    ``values`` is indexed by parameterization (a column of :func:`summarize`), ``param_grid``
    is the table grid_search returned; every (x, y) pair must occur once.
    """
    import matplotlib.pyplot as plt

    for p in (x, y):
        if p not in param_grid.columns:
            raise KeyError(f"heatmap: '{p}' is not a swept parameter; parameters: "
                           f"{list(param_grid.columns)}")
    missing = [k for k in param_grid.index if k not in values.index]
    if missing:
        raise KeyError(f"heatmap: no value for parameter set(s) {missing[:3]}")
    frame = pd.DataFrame({x: param_grid[x], y: param_grid[y], "v": values.loc[param_grid.index]})
    if frame.duplicated([x, y]).any():
        others = [c for c in param_grid.columns if c not in (x, y)]
        raise ValueError(f"heatmap: several sets share the same ({x}, {y}); select the sets "
                         f"of one value of {others} first")
    table = frame.pivot(index=y, columns=x, values="v").sort_index().sort_index(axis=1)
    if ax is None:
        fig, ax = plt.subplots()
    else:
        fig = ax.figure
    image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=cmap,
                      **kwargs)
    ax.set_xticks(range(table.shape[1]), [f"{v:.3g}" for v in table.columns])
    ax.set_yticks(range(table.shape[0]), [f"{v:.3g}" for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if values.name is not None:
        ax.set_title(" ".join(str(n) for n in np.atleast_1d(values.name)))
    if colorbar:
        fig.colorbar(image, ax=ax)
    return fig, ax
