"""One entry point for every torch solver: fixed-step loops and torchdiffeq."""

from __future__ import annotations

import torch

from pyrates_backend_torch.adaptive import simulate_adaptive
from pyrates_backend_torch.solvers import Handle, Trajectory, simulate_fixed
from pyrates_core.backend import SimulationRequest

__all__ = ["simulate"]


def simulate(h: Handle, request: SimulationRequest,
             overrides: dict[str, torch.Tensor] | None = None,
             delay_overrides: dict[int, torch.Tensor] | None = None,
             checkpoint: int | None = None) -> Trajectory:
    """Integrate with ``request.solver``: ``'torchdiffeq'`` through
    :func:`~pyrates_backend_torch.adaptive.simulate_adaptive` (delay overrides and
    checkpointing do not apply there), the fixed-step solvers through
    :func:`~pyrates_backend_torch.solvers.simulate_fixed`.
    """
    if request.solver == "torchdiffeq":
        return simulate_adaptive(h, request, overrides)
    return simulate_fixed(h, request, overrides, delay_overrides, checkpoint)
