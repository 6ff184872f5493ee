"""Gradient-based fitting with ``tf.GradientTape`` and keras optimizers.

Optimizers: a name (``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'``), a keras optimizer
instance, or a callable returning one (see :mod:`pyrates_core.fitting`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import tensorflow as tf

from pyrates_backend_tensorflow.solvers import Handle, simulate
from pyrates_core.fitting import FitRequest, FitResult, Trainable, default_loss, scales

__all__ = ["fit", "value_and_grad"]

_NAMED = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def _overrides(h: Handle, trainables: list[Trainable], values: tf.Tensor, dtype: tf.DType
               ) -> tuple[dict[str, tf.Tensor], dict[int, tf.Tensor]]:
    """Parameter and delay tensors with the trainable elements replaced by ``values``."""
    params: dict[str, tf.Tensor] = {}
    delays: dict[int, tf.Tensor] = {}
    for i, tr in enumerate(trainables):
        idx = np.asarray(tr.index, dtype=np.int64)
        if tr.kind == "delay":
            k = int(tr.target)
            base = delays.get(k, tf.constant(h.system.edges[k].delays, dtype=dtype))
            delays[k] = tf.tensor_scatter_nd_update(
                base, idx[:, None], tf.fill([idx.size], values[i]))
        else:
            spec = h.system.params[tr.target]
            base = params.get(tr.target, tf.constant(np.ravel(spec.value), dtype=dtype))
            params[tr.target] = tf.tensor_scatter_nd_update(
                base, idx[:, None], tf.fill([idx.size], values[i]))
    return params, delays


def _loss(h: Handle, request: FitRequest, theta: tf.Variable, scale: tf.Tensor,
          targets: dict[str, tf.Tensor]) -> tf.Tensor:
    params, delays = _overrides(h, request.trainables, theta * scale, theta.dtype)
    traj = simulate(h, request.simulation, params, delays, differentiable=True)
    outs = {g: tf.concat([traj.outputs[k][0] for k in keys], axis=1)
            for g, keys in request.groups.items()}
    if request.loss is None:
        loss = default_loss(outs, targets, tf.reduce_mean)
    else:
        loss = request.loss(outs, targets)
    if not tf.is_tensor(loss) or int(tf.size(loss)) != 1:
        raise TypeError("the loss function must return a scalar TensorFlow tensor")
    return tf.reshape(loss, [])


def _setup(h: Handle, request: FitRequest, values: dict[str, float] | None
           ) -> tuple[tf.Variable, tf.Tensor, dict[str, tf.Tensor]]:
    dtype = tf.as_dtype(str(np.empty(0, h.system.value_dtype).real.dtype))
    scale = tf.constant(scales(request.trainables), dtype=dtype)
    start = np.array([(values or {}).get(t.name, t.value) for t in request.trainables], float)
    theta = tf.Variable(tf.constant(start, dtype=dtype) / scale)
    targets = {k: tf.constant(np.asarray(v), dtype=dtype) for k, v in request.target.items()}
    return theta, scale, targets


def _optimizer(spec: Any, lr: float) -> Any:
    if isinstance(spec, str):
        if spec.lower() not in _NAMED:
            raise ValueError(f"optimizer '{spec}' is not known to the tensorflow backend; use "
                             f"one of {', '.join(_NAMED)} or a keras optimizer")
        return getattr(tf.keras.optimizers, _NAMED[spec.lower()])(learning_rate=lr)
    if isinstance(spec, tf.keras.optimizers.Optimizer):
        return spec
    if callable(spec):
        return spec()
    raise TypeError(f"optimizer {spec!r}: pass a name or a keras optimizer")


def fit(h: Handle, request: FitRequest) -> FitResult:
    """Run ``request.epochs`` optimizer steps; return the fitted values and loss history."""
    theta, scale, targets = _setup(h, request, None)
    opt = _optimizer(request.optimizer, request.learning_rate)
    history: list[float] = []
    start = time.perf_counter()
    for epoch in range(request.epochs):
        with tf.GradientTape() as tape:
            loss = _loss(h, request, theta, scale, targets)
        grad = tape.gradient(loss, theta)
        opt.apply_gradients([(grad, theta)])
        history.append(float(loss))
        if request.callback is not None:
            current = (theta * scale).numpy()
            request.callback(epoch, history[-1], {t.name: float(v) for t, v in
                                                  zip(request.trainables, current, strict=True)})
        if history[-1] <= request.tolerance:
            break
    final = (theta * scale).numpy()
    values = {t.name: float(v) for t, v in zip(request.trainables, final, strict=True)}
    return FitResult(values, history, {"fit_time": time.perf_counter() - start,
                                       "epochs": len(history)})


def value_and_grad(h: Handle, request: FitRequest, values: dict[str, float] | None = None
                   ) -> tuple[float, dict[str, float]]:
    """Loss at ``values`` (default: the initial ones) and d(loss)/d(value) per trainable."""
    theta, scale, targets = _setup(h, request, values)
    with tf.GradientTape() as tape:
        loss = _loss(h, request, theta, scale, targets)
    g = (tape.gradient(loss, theta) / scale).numpy()
    return float(loss), {t.name: float(v) for t, v in zip(request.trainables, g, strict=True)}
