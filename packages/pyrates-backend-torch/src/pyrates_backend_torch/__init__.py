"""PyRates PyTorch backend: generated torch code, differentiable solvers, gradient fitting."""

from __future__ import annotations

from pyrates_backend_torch.backend import TorchBackend

__all__ = ["TorchBackend"]
