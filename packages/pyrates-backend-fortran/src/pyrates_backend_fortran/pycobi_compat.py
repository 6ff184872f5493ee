"""Make the original's pycobi workflow run against Debian's AUTO-07p and numpy 2.

:func:`prepare_pycobi` (call it once before ``from pycobi import ODESystem``):

* puts AUTO-07p's Python layer (``$AUTO_DIR/python``) on ``sys.path`` and sets ``AUTO_DIR``;
* replaces the method ``fileS.readfloats`` of AUTO's ``parseS`` module in memory (the system
  file is not touched): under numpy 2 its ``fdata == []`` test on an array raises
  ``ValueError`` and its ``numpy.array(map(...))`` fallback builds an object array. The
  replacement reads the numbers of a solution block with
  :func:`pyrates_backend_fortran.autofiles._auto_float`;
* gives an already imported ``pyrates`` package a ``clear(circuit)`` function if it has none
  (pycobi imports it; it drops the circuit's compiled models). Import ``pyrates`` first, as
  the original's scripts do (``from pyrates import CircuitTemplate``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from pyrates_backend_fortran.autofiles import _auto_float
from pyrates_backend_fortran.continuation import find_auto

__all__ = ["prepare_pycobi"]


def _readfloats(self: Any, i: int, total: int) -> np.ndarray:
    """Numbers of solution block ``i`` (``total`` of them) of an AUTO solution file."""
    data = self.readstr(i)
    if isinstance(data, np.ndarray):
        return data
    text = data.decode("ascii") if isinstance(data, bytes) else str(data)
    values = np.array([_auto_float(v) for v in text.split()], dtype=float)
    if values.size != total:
        from auto.parseS import PrematureEndofData  # type: ignore[import-not-found]

        raise PrematureEndofData
    return values


def _clear(circuit: Any = None, **kwargs: Any) -> None:
    """Drop the compiled models of ``circuit`` (pycobi's ``clear`` hook)."""
    if circuit is not None and hasattr(circuit, "clear"):
        circuit.clear()


def prepare_pycobi(auto_dir: str | None = None) -> str:
    """Set up AUTO-07p's Python layer for pycobi; returns the AUTO folder."""
    folder = find_auto(auto_dir)
    os.environ.setdefault("AUTO_DIR", str(folder))
    path = str(folder / "python")
    if path not in sys.path:
        sys.path.insert(0, path)
    import auto.parseS  # type: ignore[import-not-found]

    auto.parseS.fileS.readfloats = _readfloats
    meta = sys.modules.get("pyrates")  # imported by the user's script (not by this backend)
    if meta is not None and not hasattr(meta, "clear"):
        meta.clear = _clear  # type: ignore[attr-defined]
    return str(folder)
