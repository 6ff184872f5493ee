"""Butcher tableaus of the fixed-step solvers every backend offers (euler, heun, rk4), as data.

A backend that prints its own time loop reads the stages from here instead of hard-coding
them: stage ``i`` evaluates the vector field at ``t + c[i] * dt`` and
``y + dt * sum_j a[i][j] * k_j``; the step is ``y + dt * sum_i b[i] * k_i``. The distinct
stage offsets (:attr:`Tableau.offsets`) are the times, in steps after ``t_n``, at which delayed
reads happen; :func:`pyrates_core.lowering.stage_taps` builds one delay table per offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["TABLEAUS", "Tableau", "tableau"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta method."""

    name: str
    order: int
    a: tuple[tuple[Fraction, ...], ...]
    """Lower-triangular stage coefficients, one row per stage (row ``i`` has ``i`` entries)."""
    b: tuple[Fraction, ...]
    """Weights of the stages in the update."""
    c: tuple[Fraction, ...]
    """Stage time offsets, in steps."""

    @property
    def n_stages(self) -> int:
        """Number of vector-field evaluations per step."""
        return len(self.b)

    @property
    def offsets(self) -> tuple[Fraction, ...]:
        """Distinct stage offsets in increasing order (e.g. ``(0, 1/2, 1)`` for rk4)."""
        return tuple(sorted(set(self.c)))

    def stage_offset_index(self, stage: int) -> int:
        """Position of stage ``stage``'s offset in :attr:`offsets` (its delay table)."""
        return self.offsets.index(self.c[stage])


_F = Fraction

TABLEAUS: dict[str, Tableau] = {
    "euler": Tableau("euler", 1, ((),), (_F(1),), (_F(0),)),
    "heun": Tableau("heun", 2, ((), (_F(1),)), (_F(1, 2), _F(1, 2)), (_F(0), _F(1))),
    "rk4": Tableau("rk4", 4,
                   ((), (_F(1, 2),), (_F(0), _F(1, 2)), (_F(0), _F(0), _F(1))),
                   (_F(1, 6), _F(1, 3), _F(1, 3), _F(1, 6)),
                   (_F(0), _F(1, 2), _F(1, 2), _F(1))),
}
"""The fixed-step solvers by name."""


def tableau(name: str) -> Tableau:
    """The tableau of solver ``name`` (error listing the known ones otherwise)."""
    try:
        return TABLEAUS[name]
    except KeyError:
        raise KeyError(f"no Butcher tableau for solver '{name}'; known: "
                       f"{', '.join(TABLEAUS)}") from None
