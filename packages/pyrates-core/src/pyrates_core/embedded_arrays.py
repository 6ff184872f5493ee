"""Constant arrays written into generated Python source, so the module needs no data file.

:class:`EmbeddedArrays` collects the constants a generator needs (index arrays, values), gives
each distinct one a module-level name (``_C0``, ``_C1``...) and writes its bytes as base64;
the generated module decodes them with the function in :data:`DECODER_SOURCE` (it needs
``import base64`` and ``import numpy as np``). Equal arrays share one name.
"""

from __future__ import annotations

import base64

import numpy as np

__all__ = ["DECODER_SOURCE", "EmbeddedArrays"]

DECODER_SOURCE = '''
def _arr(text, dtype):
    """A constant array embedded as base64."""
    return np.frombuffer(base64.b64decode(text), dtype=dtype).copy()
'''
"""Source of ``_arr(text, dtype)``, the decoder the generated module defines."""


class EmbeddedArrays:
    """Module-level constant arrays of a generated module; :attr:`lines` are their definitions."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._names: dict[tuple[str, bytes], str] = {}

    def __call__(self, values: np.ndarray, dtype: str) -> str:
        """The name of the constant holding ``values`` as ``dtype`` (e.g. ``'int64'``)."""
        data = np.ascontiguousarray(values, dtype=np.dtype(dtype)).tobytes()
        key = (dtype, data)
        if key not in self._names:
            name = f"_C{len(self._names)}"
            self.lines.append(f'{name} = _arr("{base64.b64encode(data).decode()}", np.{dtype})')
            self._names[key] = name
        return self._names[key]
