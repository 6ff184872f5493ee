"""Saving sweeps as Parquet files that carry everything needed to run them again.

The file holds the results table; its schema metadata (key ``pyrates_sweep``) holds the
parameter table, the param_map, the grid_search settings, the inputs (as ``.npy`` bytes) and
the model as PyRates YAML. :func:`load_sweep` returns a :class:`SweepRecord`; its
:meth:`~SweepRecord.rerun` repeats the sweep from the file alone.
"""

from __future__ import annotations

import base64
import io
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyrates_frontend import CircuitTemplate

__all__ = ["SweepRecord", "load_sweep", "save_sweep"]

_KEY = b"pyrates_sweep"
_FORMAT = 1


@dataclass
class SweepRecord:
    """A sweep read back from its file."""

    results: pd.DataFrame
    param_grid: pd.DataFrame
    param_map: dict[str, Any]
    settings: dict[str, Any]
    """Keyword arguments of grid_search (step_size, simulation_time, outputs, solver, ...)."""
    model_yaml: str
    template_name: str
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    def circuit(self) -> CircuitTemplate:
        """The model, rebuilt from the embedded YAML."""
        with tempfile.TemporaryDirectory(prefix="pyrates_sweep_") as tmp:
            path = Path(tmp) / "model.yaml"
            path.write_text(self.model_yaml)
            return CircuitTemplate.from_yaml(f"{path}/{self.template_name}")

    def rerun(self, **overrides: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Run the sweep again from the file (``overrides`` replace stored settings)."""
        from pyrates_sweep.search import grid_search

        grid = self.param_grid.copy()
        grid.index = pd.RangeIndex(grid.shape[0])
        kw = {**self.settings, **overrides}
        inputs = kw.pop("inputs", None) or self.inputs or None
        return grid_search(self.circuit(), grid, self.param_map, inputs=inputs, **kw)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _npy(arr: Any) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(arr), allow_pickle=False)
    return base64.b64encode(buf.getvalue()).decode()


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def save_sweep(path: str | Path, results: pd.DataFrame, param_grid: pd.DataFrame,
               circuit_template: CircuitTemplate | str, param_map: Mapping[str, Any],
               inputs: Mapping[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Write a sweep to a Parquet file (``.parquet`` is added if missing); returns the path.

    ``results`` and ``param_grid`` are what grid_search returned (its settings travel in
    ``results.attrs['sweep']['settings']``); pass the same model, param_map and inputs.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    target = Path(path)
    if target.suffix != ".parquet":
        target = target.with_name(target.name + ".parquet")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True or choose another path")
    info = results.attrs.get("sweep", {})
    if "settings" not in info:
        raise ValueError("save_sweep: results carry no grid_search settings "
                         "(results.attrs['sweep']); save the DataFrame grid_search returned")
    model = (CircuitTemplate.from_yaml(circuit_template) if isinstance(circuit_template, str)
             else circuit_template)
    with tempfile.TemporaryDirectory(prefix="pyrates_sweep_") as tmp:
        yaml_text = model.to_yaml(Path(tmp) / "model.yaml", template_name=model.name).read_text()
    meta = {
        "format": _FORMAT,
        "param_grid": json.loads(param_grid.to_json(orient="split", double_precision=15)),
        "param_map": _jsonable(param_map),
        "settings": _jsonable(info["settings"]),
        "model_yaml": yaml_text,
        "template_name": model.name,
        "inputs": {k: _npy(v) for k, v in (inputs or {}).items()},
        "sweep": _jsonable({k: v for k, v in info.items() if k != "settings"}),
    }
    frame = results.copy()
    frame.attrs = {}
    table = pa.Table.from_pandas(frame)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[_KEY] = json.dumps(meta).encode()
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(schema_meta), target)
    return target


def load_sweep(path: str | Path) -> SweepRecord:
    """Read a file written by :func:`save_sweep`."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(_KEY)
    if raw is None:
        raise ValueError(f"{path} is not a PyRates sweep file (no '{_KEY.decode()}' metadata)")
    meta = json.loads(raw)
    if meta.get("format") != _FORMAT:
        raise ValueError(f"{path}: sweep file format {meta.get('format')} is not supported "
                         f"(expected {_FORMAT})")
    results = table.to_pandas()
    grid = pd.read_json(io.StringIO(json.dumps(meta["param_grid"])), orient="split",
                        precise_float=True)
    results.attrs["sweep"] = {**meta["sweep"], "settings": meta["settings"]}
    return SweepRecord(results, grid, meta["param_map"], meta["settings"], meta["model_yaml"],
                       meta["template_name"],
                       {k: _from_npy(v) for k, v in meta["inputs"].items()})
