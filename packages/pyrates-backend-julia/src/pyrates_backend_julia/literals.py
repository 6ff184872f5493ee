"""Julia literals for numbers, vectors and matrices."""

from __future__ import annotations

import numpy as np

from pyrates_core.errors import EquationError

__all__ = ["julia_literal"]


def _number(x: object, integer: bool) -> str:
    if integer:
        return str(int(x))  # type: ignore[call-overload]
    value = float(x)  # type: ignore[arg-type]
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    return repr(value)


def julia_literal(value: object) -> str:
    """A Julia literal: ``0.5``, ``[1.0, 2.0]`` (vector) or ``[1.0 2.0; 3.0 4.0]`` (matrix)."""
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise EquationError("complex values are not supported by the julia backend")
    integer = arr.dtype.kind in "iub"
    if arr.ndim == 0:
        return _number(arr.item(), integer)
    if arr.ndim == 1:
        if arr.size == 0:
            return "Int[]" if integer else "Float64[]"
        return "[" + ", ".join(_number(x, integer) for x in arr) + "]"
    if arr.ndim == 2:
        if arr.shape[0] == 1:
            return "reshape(" + julia_literal(arr[0]) + ", 1, :)"
        return "[" + "; ".join(" ".join(_number(x, integer) for x in row) for row in arr) + "]"
    raise EquationError(f"arrays of {arr.ndim} dimensions are not supported by the julia backend")
