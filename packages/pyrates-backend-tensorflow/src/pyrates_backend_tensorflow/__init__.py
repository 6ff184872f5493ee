"""PyRates TensorFlow backend: generated TensorFlow code, a tf.function time loop, fitting."""

from __future__ import annotations

from pyrates_backend_tensorflow.backend import TensorflowBackend

__all__ = ["TensorflowBackend"]
