"""Backend-neutral hook for gradient-based fitting (backends with the ``grad`` capability).

The frontend's ``fit`` turns template paths into :class:`Trainable` entries (system
parameters, edge weights and edge delays, which are parameters too: a delayed bundle's delay
parameter, role ``'delay'``), builds a
:class:`FitRequest` and hands it to the backend's :meth:`GradientBackend.fit`, which runs the
optimisation loop with its framework's autodiff and optimizers. A new differentiable backend
(e.g. JAX with optax) plugs in by implementing :class:`GradientBackend`.

Every trainable is one scalar shared by the elements it lists. The optimizer sees it scaled,
``value = theta * scale`` with ``scale = |initial value|`` (1 if that is 0) and ``theta``
starting at the sign of the initial value, so one learning rate suits parameters of any size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from pyrates_core.backend import LoadedModel, SimulationRequest

__all__ = [
    "FIT_OPTIMIZERS",
    "FitRequest",
    "FitResult",
    "GradientBackend",
    "Trainable",
    "default_loss",
    "scales",
    "supports_fitting",
]

FIT_OPTIMIZERS: tuple[str, ...] = ("adam", "sgd", "rmsprop", "adagrad")
"""Optimizer names every differentiable backend accepts (plus its framework's own objects)."""


@dataclass
class Trainable:
    """One scalar that the optimizer may change."""

    name: str
    """The user's name, e.g. ``'p1/qif_op/tau'`` or ``'p1/qif_op/r->p2/qif_op/r_in:weight'``."""
    kind: str
    """``'param'`` (a system parameter: edge weights and edge delays included, the latter
    through a bundle's delay parameter, :attr:`~pyrates_core.system.EdgeBundle.delay_param`)
    or ``'delay'`` (the fixed delays of a bundle without a delay parameter, patched by the
    backend)."""
    target: str
    """Parameter name (kind ``param``) or edge-bundle index as a string (kind ``delay``)."""
    index: np.ndarray
    """Flat element indices into the parameter's value or into the bundle's edges."""
    value: float
    """Initial value."""


@dataclass
class FitRequest:
    """What to fit: a simulation, trainables, a target and how to optimise."""

    simulation: SimulationRequest
    trainables: list[Trainable]
    target: dict[str, np.ndarray]
    """Output group -> array ``(n_samples, n_columns)`` the outputs are compared with."""
    groups: dict[str, list[str]]
    """Output group (the user's key) -> request output keys whose columns it concatenates."""
    loss: Callable[[dict[str, Any], dict[str, Any]], Any] | None = None
    """``loss(outputs, target) -> scalar`` on framework tensors (None: :func:`default_loss`)."""
    optimizer: Any = "adam"
    """A name from :data:`FIT_OPTIMIZERS` or a framework optimizer (see the backend)."""
    learning_rate: float = 0.01
    epochs: int = 100
    tolerance: float = 0.0
    """Stop when the loss falls below this value."""
    callback: Callable[[int, float, dict[str, float]], Any] | None = None
    """Called after every epoch with (epoch, loss, current values)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Backend-specific options (e.g. gradient checkpointing)."""


@dataclass
class FitResult:
    """Fitted values and the loss history (one entry per epoch, before its update)."""

    values: dict[str, float]
    loss_history: list[float]
    stats: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class GradientBackend(Protocol):
    """What a backend with the ``grad`` capability adds to the backend protocol."""

    def fit(self, model: LoadedModel, request: FitRequest) -> FitResult:
        """Optimise the trainables of ``request`` on the loaded model."""
        ...

    def value_and_grad(self, model: LoadedModel, request: FitRequest,
                       values: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
        """Loss and its gradient with respect to every trainable (by name) at ``values``."""
        ...


def supports_fitting(backend: Any) -> bool:
    """Whether ``backend`` declares ``grad`` and implements :class:`GradientBackend`."""
    return "grad" in getattr(backend, "capabilities", ()) and isinstance(backend, GradientBackend)


def scales(trainables: list[Trainable]) -> np.ndarray:
    """Scale of every trainable: ``|value|``, or 1 where the value is 0."""
    v = np.abs(np.array([t.value for t in trainables], dtype=float))
    return np.where(v > 0, v, 1.0)


def default_loss(outputs: dict[str, Any], target: dict[str, Any],
                 mean: Callable[[Any], Any] | None = None) -> Any:
    """Mean squared error, averaged over the output groups.

    ``mean`` reduces a framework tensor to its mean (default: its ``.mean()`` method, as in
    torch and JAX; TensorFlow passes ``tf.reduce_mean``).
    """
    reduce = mean or (lambda x: x.mean())
    total = None
    for key, pred in outputs.items():
        diff = pred - target[key]
        term = reduce(diff * diff)
        total = term if total is None else total + term
    if total is None:
        raise ValueError("the fit has no outputs to compare with the target")
    return total / len(outputs)
