"""Gradient-based fitting with torch autograd and ``torch.optim`` (see :mod:`pyrates_core.fitting`).

Optimizers: a name (``'adam'``, ``'sgd'``, ``'rmsprop'``, ``'adagrad'``, ``'lbfgs'``), a
``torch.optim.Optimizer`` subclass (called with ``([theta], lr=learning_rate)``), or a callable
that takes the list of parameters and returns an optimizer.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from pyrates_backend_torch.run import simulate
from pyrates_backend_torch.solvers import Handle
from pyrates_core.fitting import FitRequest, FitResult, Trainable, default_loss, scales

__all__ = ["fit", "value_and_grad"]

_NAMED = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop,
          "adagrad": torch.optim.Adagrad, "lbfgs": torch.optim.LBFGS}


def _overrides(h: Handle, trainables: list[Trainable], values: torch.Tensor,
               dtype: torch.dtype) -> tuple[dict[str, torch.Tensor], dict[int, torch.Tensor]]:
    """Parameter and delay tensors with the trainable elements replaced by ``values``."""
    params: dict[str, torch.Tensor] = {}
    delays: dict[int, torch.Tensor] = {}
    for i, tr in enumerate(trainables):
        idx = torch.as_tensor(np.asarray(tr.index, dtype=np.int64), device=h.device)
        if tr.kind == "delay":
            k = int(tr.target)
            base = delays.get(k)
            if base is None:
                base = torch.as_tensor(h.system.edges[k].delays, dtype=dtype, device=h.device)
            delays[k] = base.index_put((idx,), values[i].expand(idx.shape[0]))
        else:
            spec = h.system.params[tr.target]
            base = params.get(tr.target)
            if base is None:
                base = torch.as_tensor(np.ravel(spec.value), dtype=dtype, device=h.device)
            params[tr.target] = base.index_put((idx,), values[i].expand(idx.shape[0]))
    return params, delays


def _loss(h: Handle, request: FitRequest, theta: torch.Tensor, scale: torch.Tensor,
          targets: dict[str, torch.Tensor]) -> torch.Tensor:
    dtype = theta.dtype
    params, delays = _overrides(h, request.trainables, theta * scale, dtype)
    traj = simulate(h, request.simulation, params, delays)
    outs = {g: torch.cat([traj.outputs[k][0] for k in keys], dim=1)
            for g, keys in request.groups.items()}
    loss_fn = request.loss or default_loss
    loss = loss_fn(outs, targets)
    if not torch.is_tensor(loss) or loss.numel() != 1:
        raise TypeError("the loss function must return a scalar torch tensor")
    return loss.reshape(())


def _setup(h: Handle, request: FitRequest, values: dict[str, float] | None
           ) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    dtype = getattr(torch, str(np.empty(0, h.system.value_dtype).real.dtype))
    scale = torch.as_tensor(scales(request.trainables), dtype=dtype, device=h.device)
    start = np.array([(values or {}).get(t.name, t.value) for t in request.trainables], float)
    theta = (torch.as_tensor(start, dtype=dtype, device=h.device) / scale).requires_grad_(True)
    targets = {k: torch.as_tensor(np.asarray(v), dtype=dtype, device=h.device)
               for k, v in request.target.items()}
    return theta, scale, targets


def _optimizer(spec: Any, theta: torch.Tensor, lr: float) -> torch.optim.Optimizer:
    if isinstance(spec, str):
        if spec.lower() not in _NAMED:
            raise ValueError(f"optimizer '{spec}' is not known to the torch backend; use one of "
                             f"{', '.join(_NAMED)}, a torch.optim class or a factory")
        return _NAMED[spec.lower()]([theta], lr=lr)
    if isinstance(spec, type) and issubclass(spec, torch.optim.Optimizer):
        return spec([theta], lr=lr)
    if callable(spec):
        opt = spec([theta])
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError("an optimizer factory must return a torch.optim.Optimizer")
        return opt
    raise TypeError(f"optimizer {spec!r}: pass a name, a torch.optim class or a factory")


def fit(h: Handle, request: FitRequest) -> FitResult:
    """Run ``request.epochs`` optimizer steps; return the fitted values and loss history."""
    theta, scale, targets = _setup(h, request, None)
    opt = _optimizer(request.optimizer, theta, request.learning_rate)
    history: list[float] = []
    start = time.perf_counter()
    seen: list[float] = []

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = _loss(h, request, theta, scale, targets)
        loss.backward()
        seen.append(float(loss.detach()))
        return loss

    for epoch in range(request.epochs):
        seen.clear()
        opt.step(closure)
        history.append(seen[0])
        if request.callback is not None:
            current = (theta.detach() * scale).cpu().numpy()
            request.callback(epoch, seen[0], {t.name: float(v) for t, v in
                                              zip(request.trainables, current, strict=True)})
        if seen[0] <= request.tolerance:
            break
    final = (theta.detach() * scale).cpu().numpy()
    values = {t.name: float(v) for t, v in zip(request.trainables, final, strict=True)}
    return FitResult(values, history, {"fit_time": time.perf_counter() - start,
                                       "epochs": len(history)})


def value_and_grad(h: Handle, request: FitRequest, values: dict[str, float] | None = None
                   ) -> tuple[float, dict[str, float]]:
    """Loss at ``values`` (default: the initial ones) and d(loss)/d(value) per trainable."""
    theta, scale, targets = _setup(h, request, values)
    loss = _loss(h, request, theta, scale, targets)
    loss.backward()  # not autograd.grad: reentrant checkpointing supports backward() only
    assert theta.grad is not None
    g = (theta.grad / scale).cpu().numpy()
    return float(loss.detach()), {t.name: float(v) for t, v in
                                  zip(request.trainables, g, strict=True)}
