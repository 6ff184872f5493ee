"""Gradient-based fitting with ``jax.grad`` and optax optimizers (see :mod:`pyrates_core.fitting`).

The loss is one jitted function of the scaled trainables: the prepared simulation
(:meth:`JaxBackend.simulation`) with the trainable elements of the parameters replaced, the
loss on its outputs, and its gradient by reverse-mode autodiff through the ``lax.scan`` loop.

Optimizers: a name (``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'``, ``'lbfgs'``), an
``optax.GradientTransformation``, or a callable ``factory(learning_rate)`` returning one.
Requires ``optax`` (``pip install pyrates-backend-jax[fit]``).

Edge delays are trained through their delay parameters (role ``'delay'``), which the JAX loop
reads as traced values (interpolation weights computed inside the jitted loop); only delays
patched into a hand-built edge bundle without a delay parameter cannot be trained.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from pyrates_core.errors import SolverError
from pyrates_core.fitting import FitRequest, FitResult, Trainable, default_loss, scales

if TYPE_CHECKING:
    from pyrates_backend_jax.backend import Simulation

__all__ = ["OPTIMIZERS", "fit", "loss_function", "value_and_grad"]

OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop", "adagrad", "lbfgs")
"""Optimizer names the JAX backend accepts."""


def _optax() -> Any:
    try:
        import optax
    except ImportError as err:  # pragma: no cover - optax is installed with the [fit] extra
        raise ImportError("fitting with the jax backend needs optax: "
                          "pip install pyrates-backend-jax[fit]") from err
    return optax


def _check(trainables: list[Trainable]) -> None:
    for tr in trainables:
        if tr.kind != "param":
            raise SolverError(f"fit: '{tr.name}' is an edge delay of a bundle without a delay "
                              "parameter; the jax backend trains delays through delay "
                              "parameters only (build the system with compile_network)")


def _params(sim: Simulation, trainables: list[Trainable], values: Any) -> dict[str, Any]:
    """Parameter arrays (flat) with the trainable elements replaced by ``values``."""
    system = sim.handle.system
    out: dict[str, Any] = {}
    for i, tr in enumerate(trainables):
        base = out.get(tr.target)
        if base is None:
            base = jnp.ravel(jnp.asarray(sim.defaults[tr.target], dtype=system.value_dtype))
        idx = jnp.asarray(np.asarray(tr.index, dtype=np.int32))
        out[tr.target] = base.at[idx].set(values[i].astype(base.dtype))
    return out


def loss_function(sim: Simulation, request: FitRequest) -> Callable[[Any], Any]:
    """``loss(theta)``: the fit's loss at the scaled trainables ``theta`` (a JAX function).

    ``theta * scale`` are the trainables' values, ``scale`` from
    :func:`pyrates_core.fitting.scales`.
    """
    _check(request.trainables)
    dtype = sim.handle.system.value_dtype
    scale = jnp.asarray(scales(request.trainables), dtype=dtype)
    targets = {k: jnp.asarray(np.asarray(v), dtype=dtype) for k, v in request.target.items()}
    loss_fn = request.loss or default_loss
    # built (and cached) outside any trace, so its constants stay concrete; trained delay
    # parameters always interpolate (an exact on-grid gather would have no derivative)
    run = sim.loop(config=sim.interpolating({tr.target for tr in request.trainables}))

    def loss(theta: Any) -> Any:
        pvals = sim.values(_params(sim, request.trainables, theta * scale))
        recs, _, _ = run(pvals, sim.y0, sim.series)
        outs = {g: jnp.concatenate([recs[k] for k in keys], axis=1)
                for g, keys in request.groups.items()}
        value = loss_fn(outs, targets)
        if jnp.size(value) != 1:
            raise TypeError("the loss function must return a scalar JAX array")
        return jnp.reshape(value, ())

    return loss


def _start(request: FitRequest, values: dict[str, float] | None, dtype: Any) -> Any:
    start = np.array([(values or {}).get(t.name, t.value) for t in request.trainables], float)
    return jnp.asarray(start / scales(request.trainables), dtype=dtype)


def _optimizer(spec: Any, lr: float) -> Any:
    optax = _optax()
    if isinstance(spec, str):
        name = spec.lower()
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer '{spec}' is not known to the jax backend; use one of "
                             f"{', '.join(OPTIMIZERS)}, an optax.GradientTransformation or a "
                             "factory(learning_rate)")
        return getattr(optax, name)(learning_rate=lr)
    if isinstance(spec, optax.GradientTransformation):
        return spec
    if callable(spec):
        opt = spec(lr)
        if not isinstance(opt, optax.GradientTransformation):
            raise TypeError("an optimizer factory must return an optax.GradientTransformation")
        return opt
    raise TypeError(f"optimizer {spec!r}: pass a name, an optax.GradientTransformation or a "
                    "factory(learning_rate)")


def fit(sim: Simulation, request: FitRequest) -> FitResult:
    """Run ``request.epochs`` optimizer steps; return the fitted values and loss history."""
    optax = _optax()
    dtype = sim.handle.system.value_dtype
    loss = loss_function(sim, request)
    theta = _start(request, None, dtype)
    scale = scales(request.trainables)
    opt = _optimizer(request.optimizer, request.learning_rate)
    line_search = isinstance(request.optimizer, str) and request.optimizer.lower() == "lbfgs"
    value_grad = jax.value_and_grad(loss)

    def step(theta: Any, state: Any) -> tuple[Any, Any, Any]:
        value, grad = value_grad(theta)
        extra = {"value": value, "grad": grad, "value_fn": loss} if line_search else {}
        updates, state = opt.update(grad, state, theta, **extra)
        return optax.apply_updates(theta, updates), state, value

    step_jit = jax.jit(step)
    state = opt.init(theta)
    history: list[float] = []
    start = time.perf_counter()
    for epoch in range(request.epochs):
        theta, state, value = step_jit(theta, state)
        history.append(float(value))
        if not np.isfinite(history[-1]):
            raise SolverError(f"fit: the loss became non-finite at epoch {epoch}; lower the "
                              "learning_rate or check the start values")
        if request.callback is not None:
            current = np.asarray(theta) * scale
            request.callback(epoch, history[-1], {t.name: float(v) for t, v in
                                                  zip(request.trainables, current, strict=True)})
        if history[-1] <= request.tolerance:
            break
    final = np.asarray(theta) * scale
    values = {t.name: float(v) for t, v in zip(request.trainables, final, strict=True)}
    return FitResult(values, history, {"fit_time": time.perf_counter() - start,
                                       "epochs": len(history)})


def _compiled_value_and_grad(sim: Simulation, request: FitRequest) -> Callable[[Any], Any]:
    """The jitted ``value_and_grad`` of the loss, kept per (request, loop) on the model handle,
    so that repeated evaluations (finite-difference checks, benchmarks) compile once.
    """
    cache: dict[Any, tuple[FitRequest, Any]] = sim.handle.__dict__.setdefault("_fit_cache", {})
    key = (id(request), sim.config)
    hit = cache.get(key)
    if hit is None or hit[0] is not request:
        hit = (request, jax.jit(jax.value_and_grad(loss_function(sim, request))))
        cache[key] = hit
    return hit[1]


def value_and_grad(sim: Simulation, request: FitRequest, values: dict[str, float] | None = None
                   ) -> tuple[float, dict[str, float]]:
    """Loss at ``values`` (default: the initial ones) and d(loss)/d(value) per trainable."""
    theta = _start(request, values, sim.handle.system.value_dtype)
    value, grad = _compiled_value_and_grad(sim, request)(theta)
    g = np.asarray(grad) / scales(request.trainables)
    return float(value), {t.name: float(v) for t, v in zip(request.trainables, g, strict=True)}
