"""Distributed delays: gamma kernels as chains of linear ODEs (the linear chain trick).

An edge with mean delay ``d`` and spread (standard deviation) ``s`` convolves its source with
the gamma kernel ``k(t) = a^m t^(m-1) exp(-a t) / (m-1)!`` of order ``m`` and rate ``a``, whose
mean is ``m/a`` and variance ``m/a^2``. Matching both gives ``m = round((d/s)^2)`` (at least 1)
and ``a = m/d``. The convolution equals the last of ``m`` linear ODEs
``x_1' = a (u - x_1)``, ``x_k' = a (x_{k-1} - x_k)``.
"""

from __future__ import annotations

__all__ = ["gamma_chain"]


def gamma_chain(delay: float, spread: float) -> tuple[int, float]:
    """Order and rate of the gamma kernel with mean ``delay`` and standard deviation ``spread``."""
    if delay <= 0 or spread <= 0:
        raise ValueError(f"delay ({delay}) and spread ({spread}) must both be positive")
    order = max(1, int(round((delay / spread) ** 2)))
    return order, order / delay
