"""Delayed reads from ring buffers, as pure JAX functions of the delays and weights.

The time loop keeps, for every symbol ``x`` (size ``N``) that a delayed bundle or a ``Past``
reads, a ring buffer ``H`` of shape ``(L, N)``: row ``s % L`` holds ``x`` at step ``s``; rows of
steps before 0 hold the pre-history (zeros, or the initial value). A read during step ``i`` at
the stage offset ``c`` (stage time ``t_i + c*dt``) with delay ``d`` needs ``x`` at the lag
``lag = d/dt - c`` steps back from step ``i``. With the zero pre-history (the 1.x default) the
buffer still starts with the initial value, so that stencils near ``t = 0`` see a continuous
history, but every entry is *inactive* (reads 0) before its activation step: the first step at
which its stage reads a time ``>= 0`` (``> 0`` for stages inside a step, which read the left
limit at ``t = 0``), as the NumPy backend does. Lags on a step are exact look-ups; the others
use the cubic Lagrange polynomial through the lags ``j-1 .. j+2`` (``j = floor(lag)``), or the
quadratic one through the lags ``0 .. 2`` when ``j = 0`` (lag ``-1`` would be the future), as
the NumPy backend does. Weights and, for ``Past``, delays may be traced JAX values: a read is
differentiable with respect to the edge weights and (through the interpolation weights) to the
delays. Where every lag of a read is known to fall on a step, it is a single gather.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from pyrates_core.gather_tables import target_slots

__all__ = ["TOL", "Read", "buffer_length", "exact_lags", "make_read", "target_table"]

TOL = 1e-9
"""Relative tolerance (in steps) below which a lag counts as lying on a step."""


@dataclass
class Read:
    """One delayed read at one stage offset: ``sum coef * H[(i - lags) % L, src]``.

    The entries are laid out as ``(n_out, D)`` (grouped by target, padded with zero weights:
    the sum is a reduction), ``(n_out,)`` (``Past``: one entry per element) or ``(E,)`` (a
    sparse bundle with uneven in-degrees: summed by a scatter-add into ``out``).
    """

    lags: Any
    """Integer lags, shape ``(*entries, w)`` (``w`` = 1 for exact look-ups, 4 for stencils)."""
    coef: Any
    """Edge weight times interpolation weight, shape ``(*entries, w)``."""
    src: np.ndarray
    """Source element of every entry, shape ``entries``."""
    n_out: int
    out: np.ndarray | None = None
    """Target element of every entry of the scatter layout (else None)."""
    active_from: Any = None
    """Activation step of every entry, shape ``entries`` (None: always active)."""

    def value(self, buffer: Any, step: Any) -> Any:
        """The delayed value during step ``step`` from the ring buffer ``buffer``."""
        length, size = buffer.shape
        rows = jnp.bitwise_and(step - self.lags, length - 1)  # length is a power of two
        flat = rows * size + self.src[..., None]  # in bounds by construction
        terms = self.coef * buffer.reshape(-1).at[flat].get(mode="promise_in_bounds")
        if self.active_from is not None:
            terms = jnp.where((step >= self.active_from)[..., None], terms, 0)
        summed = jnp.sum(terms, axis=-1)
        if self.out is not None:
            return jnp.zeros(self.n_out, summed.dtype).at[self.out].add(summed)
        return summed if summed.ndim == 1 else jnp.sum(summed, axis=-1)


def target_table(out: np.ndarray, n_out: int, min_fill: float = 0.5) -> np.ndarray | None:
    """Entries grouped by target, padded with ``len(out)``; None if less than ``min_fill`` full."""
    slots, width = target_slots(out, n_out)
    if out.size < min_fill * width * n_out:
        return None
    table = np.full((n_out, width), out.size, dtype=np.int32)
    table[out, slots] = np.arange(out.size)
    return table


def exact_lags(delays: np.ndarray, dt: float, offset: float) -> bool:
    """Whether every concrete delay gives a lag on a step at this stage offset."""
    lag = np.asarray(delays, dtype=float) / dt - offset
    return bool(np.all(np.abs(lag - np.rint(lag)) < TOL))


def buffer_length(max_delay: float, dt: float) -> int:
    """Rows of a ring buffer that serves delays up to ``max_delay`` (with the cubic stencil).

    Rounded up to a power of two, so that runs with somewhat different delays (a sweep over
    a ``past()`` delay) share one compiled loop.
    """
    need = int(np.floor(max_delay / dt + TOL)) + 3
    return 1 << (need - 1).bit_length()


def make_read(delays: Any, weights: Any, src: np.ndarray, out: np.ndarray | None, n_out: int,
              dt: float, offset: float, exact: bool, masked: bool) -> Read:
    """A delayed read (``delays`` and ``weights`` may be traced).

    ``masked``: entries read 0 before their activation step (zero pre-history, see the module
    docstring).
    """
    lag = jnp.asarray(delays) / dt - offset
    act = None
    if masked:
        act = (jnp.ceil(lag - TOL) if offset == 0 else jnp.floor(lag + TOL) + 1).astype(jnp.int32)
    if exact:
        lags = jnp.rint(lag).astype(jnp.int32)[:, None]
        coef = jnp.asarray(weights)[:, None]
    else:
        j = jnp.floor(lag + TOL)
        u = lag - j
        u = jnp.where(jnp.abs(u) < TOL, 0.0, u)
        cubic = jnp.stack([-u * (u - 1) * (u - 2) / 6, (u + 1) * (u - 1) * (u - 2) / 2,
                           -(u + 1) * u * (u - 2) / 2, (u + 1) * u * (u - 1) / 6], axis=1)
        quadratic = jnp.stack([(u - 1) * (u - 2) / 2, -u * (u - 2), u * (u - 1) / 2,
                               jnp.zeros_like(u)], axis=1)
        first = j >= 1
        base = jnp.where(first, j - 1, 0).astype(jnp.int32)
        lags = base[:, None] + jnp.arange(4, dtype=jnp.int32)[None, :]
        coef = jnp.asarray(weights)[:, None] * jnp.where(first[:, None], cubic, quadratic)
    if out is None:
        return Read(lags, coef, src, n_out, active_from=act)
    table = target_table(out, n_out)
    if table is None:
        return Read(lags, coef, src, n_out, out=out, active_from=act)

    def pad(x: Any) -> Any:  # one extra entry of zeros, then grouped by target
        return jnp.concatenate((x, jnp.zeros((1, *x.shape[1:]), x.dtype)))[table]

    return Read(pad(lags), pad(coef), np.concatenate((src, [0]))[table].astype(np.int32), n_out,
                active_from=None if act is None else pad(act))
