"""Compact edge sets: many plain edges between one source and one target variable.

A network built from connectivity matrices (``add_edges_from_matrix``) has one edge per
non-zero entry; holding each as an :class:`~pyrates_core.model.EdgeDef` costs about a
kilobyte and a Python loop iteration per edge when compiling. An :class:`EdgeBlock` holds the
same edges as arrays (indices into node lists, weights, delays) and is wired into the
vectorized system with array operations (``compile_network``). Its meaning is exactly that of
the edges :meth:`EdgeBlock.edge_defs` lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pyrates_core.errors import TemplateError
from pyrates_core.model import EdgeDef

__all__ = ["EdgeBlock"]


@dataclass(frozen=True)
class EdgeBlock:
    """Edges ``source_nodes[source_idx[k]]/source_var -> target_nodes[target_idx[k]]/target_var``.

    ``weight[k]``, ``delay[k]`` (0: no delay) and ``spread[k]`` (if given: a distributed
    delay) belong to edge ``k``. Node entries are full node paths; variables are
    ``'op/var'`` paths within the nodes.
    """

    source_nodes: tuple[str, ...]
    source_var: str
    target_nodes: tuple[str, ...]
    target_var: str
    source_idx: np.ndarray
    target_idx: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    spread: np.ndarray | None = None

    def __post_init__(self) -> None:
        """Check that the arrays have one entry per edge and the delays are valid."""
        n = len(self.weight)
        for name in ("source_idx", "target_idx", "delay", "spread"):
            arr = getattr(self, name)
            if arr is not None and len(arr) != n:
                raise ValueError(f"EdgeBlock: '{name}' has {len(arr)} entries, 'weight' {n}")
        bad = np.flatnonzero(~(self.delay >= 0))
        if bad.size:
            k = int(bad[0])
            raise TemplateError(f"edge {self.label(k)}: delay {self.delay[k]} must be positive "
                                "(or 0 for none)")

    def __len__(self) -> int:
        """Number of edges."""
        return len(self.weight)

    def label(self, k: int) -> str:
        """``'source -> target'`` of edge ``k`` (for messages)."""
        return (f"{self.source_nodes[int(self.source_idx[k])]}/{self.source_var} -> "
                f"{self.target_nodes[int(self.target_idx[k])]}/{self.target_var}")

    @property
    def distributed(self) -> bool:
        """Whether the edges have spreads (distributed delays; wired edge by edge)."""
        return self.spread is not None

    def edge_defs(self) -> list[EdgeDef]:
        """The same edges one by one."""
        spread = self.spread
        out = []
        for k in range(len(self)):
            s = None if spread is None else float(spread[k])
            d = float(self.delay[k])
            out.append(EdgeDef(f"{self.source_nodes[int(self.source_idx[k])]}/{self.source_var}",
                               f"{self.target_nodes[int(self.target_idx[k])]}/{self.target_var}",
                               weight=float(self.weight[k]), delay=d if d else None, spread=s))
        return out
