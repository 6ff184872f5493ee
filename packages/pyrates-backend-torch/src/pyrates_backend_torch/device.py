"""Which torch device a model runs on (the option ``device``)."""

from __future__ import annotations

import torch

from pyrates_core.errors import SolverError

__all__ = ["resolve_device"]

def resolve_device(name: str | None) -> torch.device:
    """The torch device for the option ``device`` (None: cuda when available, else cpu)."""
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SolverError("device='cuda' was requested but torch sees no CUDA device; use "
                          "device='cpu' or install a CUDA build of torch")
    if name not in ("cpu", "cuda"):
        raise SolverError(f"device must be 'cpu' or 'cuda', got {name!r}")
    return torch.device(name)

