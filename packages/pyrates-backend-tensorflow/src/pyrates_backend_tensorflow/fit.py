"""Gradient-based fitting with ``tf.GradientTape`` and keras optimizers.

With ``jit_compile`` (the default) the time loop, the loss and the loss's gradient with
respect to the loop's inputs (parameters, edge operators, delay weights, initial history) are
one XLA function; the chain rule from those inputs back to the trainables runs eagerly on an
outer tape. Without it, one tape covers a plain-graph run.

Optimizers: a name (``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'``), a keras optimizer
instance, or a callable returning one (see :mod:`pyrates_core.fitting`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import tensorflow as tf

from pyrates_backend_tensorflow.solvers import Handle, loop_function, prepare, simulate
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


def _groups(request: FitRequest, outs: Any) -> dict[str, tf.Tensor]:
    by_key = dict(zip(request.simulation.outputs, outs, strict=True))
    return {g: tf.concat([by_key[k][0] for k in keys], axis=1)
            for g, keys in request.groups.items()}


def _apply_loss(request: FitRequest, outs: dict[str, tf.Tensor],
                targets: dict[str, tf.Tensor]) -> tf.Tensor:
    if request.loss is None:
        return default_loss(outs, targets, tf.reduce_mean)
    loss = request.loss(outs, targets)
    if not tf.is_tensor(loss):
        raise TypeError("the loss function must return a scalar TensorFlow tensor")
    return tf.reshape(loss, [])


def _differentiable(args: tuple) -> tuple[list[int], list[tf.Tensor]]:
    """Flat positions of the floating-point loop inputs (all but y0 and the input series)."""
    _, bufs, head, _, edges, tables = args
    flat = tf.nest.flatten((bufs, head, edges, tables))
    return [i for i, x in enumerate(flat) if x.dtype.is_floating or x.dtype.is_complex], flat


class _XlaGradient:
    """Loss and loss gradient w.r.t. the trainables, the loop differentiated inside XLA."""

    def __init__(self, h: Handle, request: FitRequest) -> None:
        self.h, self.request = h, request

    def _function(self, prep: Any) -> Any:
        """The compiled function, cached on the handle per run layout, loss and groups."""
        groups = tuple((g, tuple(ks)) for g, ks in self.request.groups.items())
        key = ("grad", id(self.request.loss), groups, *prep.key)
        if key not in self.h.loops:
            raw = loop_function(self.h, self.request.simulation, prep, None)
            request = self.request

            def value_and_grads(y, bufs, head, series, edges, tables, targets):  # noqa: ANN001
                idx, flat = _differentiable((y, bufs, head, series, edges, tables))
                with tf.GradientTape() as tape:
                    for i in idx:
                        tape.watch(flat[i])
                    outs, _ = raw(y, bufs, head, series, edges, tables)
                    loss = _apply_loss(request, _groups(request, outs), targets)
                grads = tape.gradient(loss, [flat[i] for i in idx],
                                      unconnected_gradients=tf.UnconnectedGradients.ZERO)
                return loss, grads

            self.h.loops[key] = tf.function(value_and_grads, jit_compile=True)
        return self.h.loops[key]

    def __call__(self, theta: tf.Variable, scale: tf.Tensor, targets: dict[str, tf.Tensor]
                 ) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as outer:
            params, delays = _overrides(self.h, self.request.trainables, theta * scale,
                                        theta.dtype)
            prep = prepare(self.h, self.request.simulation, params, delays)
        loss, grads = self._function(prep)(*prep.args, targets)
        idx, flat = _differentiable(prep.args)
        g = outer.gradient([flat[i] for i in idx], theta, output_gradients=grads,
                           unconnected_gradients=tf.UnconnectedGradients.ZERO)
        if not bool(tf.math.is_finite(loss)):
            raise FloatingPointError("the loss is not finite (did the simulation diverge?); "
                                     "try a smaller step size or other start values")
        return loss, g


def _loss(h: Handle, request: FitRequest, theta: tf.Variable, scale: tf.Tensor,
          targets: dict[str, tf.Tensor]) -> tf.Tensor:
    params, delays = _overrides(h, request.trainables, theta * scale, theta.dtype)
    traj = simulate(h, request.simulation, params, delays, differentiable=True)
    return _apply_loss(request, _groups(request, list(traj.outputs.values())), targets)


def _loss_and_grad(h: Handle, request: FitRequest, xla: _XlaGradient | None,
                   theta: tf.Variable, scale: tf.Tensor, targets: dict[str, tf.Tensor]
                   ) -> tuple[tf.Tensor, tf.Tensor]:
    if xla is not None:
        return xla(theta, scale, targets)
    with tf.GradientTape() as tape:
        loss = _loss(h, request, theta, scale, targets)
    return loss, tape.gradient(loss, theta)


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
    xla = _XlaGradient(h, request) if h.jit_compile else None
    for epoch in range(request.epochs):
        loss, grad = _loss_and_grad(h, request, xla, theta, scale, targets)
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
    xla = _XlaGradient(h, request) if h.jit_compile else None
    loss, grad = _loss_and_grad(h, request, xla, theta, scale, targets)
    g = (grad / scale).numpy()
    return float(loss), {t.name: float(v) for t, v in zip(request.trainables, g, strict=True)}
