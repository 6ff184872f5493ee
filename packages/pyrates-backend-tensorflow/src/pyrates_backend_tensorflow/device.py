"""Which TensorFlow device a model runs on (the option ``device``)."""

from __future__ import annotations

import tensorflow as tf

from pyrates_core.errors import SolverError

__all__ = ["resolve_device"]

def resolve_device(name: str | None) -> str:
    """The TensorFlow device for the option ``device`` (None: a GPU when one is visible)."""
    gpus = tf.config.list_logical_devices("GPU")
    if name is None:
        return "/GPU:0" if gpus else "/CPU:0"
    if name == "cuda" and not gpus:
        raise SolverError("device='cuda' was requested but TensorFlow sees no GPU; use "
                          "device='cpu' or install a GPU build of TensorFlow")
    if name not in ("cpu", "cuda"):
        raise SolverError(f"device must be 'cpu' or 'cuda', got {name!r}")
    return "/GPU:0" if name == "cuda" else "/CPU:0"

