"""Fitting with the JAX backend: jax.grad + optax through the frontend's ``fit``."""

from __future__ import annotations

import pytest

optax = pytest.importorskip("optax", reason="fitting with jax needs optax "
                            "(pip install pyrates-backend-jax[fit])")

from pyrates_core.fitting import supports_fitting  # noqa: E402
from pyrates_core.registry import get_backend  # noqa: E402
from pyrates_frontend import CircuitTemplate  # noqa: E402
from pyrates_frontend.fitting import fit, loss_gradient  # noqa: E402
from pyrates_frontend.reference_circuits import OUT2 as OUT  # noqa: E402
from pyrates_frontend.reference_circuits import qif_pair  # noqa: E402

TAU, W = "p1/qif_op/tau", ("p1/qif_op/r", "p2/qif_op/r_in", "weight")
NAME_W = "p1/qif_op/r->p2/qif_op/r_in:weight"
T, DT = 2.0, 1e-2


def pair(weight: float = 8.0, tau: float = 1.0, delay: float | None = None) -> CircuitTemplate:
    """The docs' fitting example: two QIF populations, p1 -> p2 with ``weight``."""
    return qif_pair(weight, tau, delay, r0=None)


@pytest.fixture(scope="module")
def target():
    """The true trace (weight 8, tau 1), simulated by the numpy backend."""
    return pair().run(T, DT, outputs=OUT, backend="numpy", verbose=False)


def test_jax_is_a_gradient_backend():
    assert supports_fitting(get_backend("jax"))


def test_gradient_matches_central_differences(target):
    """d(loss)/d(tau) and d(loss)/d(weight) by jax.grad vs central differences (1e-5)."""
    start = {TAU: 1.15, NAME_W: 6.8}
    h = {TAU: 1e-5, NAME_W: 1e-4}
    points = [start]
    for k in start:
        points += [{**start, k: start[k] + h[k]}, {**start, k: start[k] - h[k]}]
    results = loss_gradient(pair(), [TAU, W], target, OUT, T, DT, backend="jax", values=points)
    loss0, grad = results[0]
    assert loss0 > 0
    for j, k in enumerate(start):
        fd = (results[1 + 2 * j][0] - results[2 + 2 * j][0]) / (2 * h[k])
        assert grad[k] == pytest.approx(fd, rel=1e-5)


@pytest.mark.parametrize(("optimizer", "lr", "epochs"), [("lbfgs", 1.0, 12), ("adam", 0.05, 120)])
def test_fit_recovers_true_values(target, optimizer, lr, epochs):
    """From 15 % off, the coupling weight and tau come back to within 1 %."""
    model = pair(6.8, 1.15)
    res = fit(model, [TAU, W], target, OUT, T, DT, backend="jax", optimizer=optimizer,
              learning_rate=lr, epochs=epochs)
    assert res.values[TAU] == pytest.approx(1.0, rel=1e-2)
    assert res.values[NAME_W] == pytest.approx(8.0, rel=1e-2)
    assert res.loss_history[-1] < 1e-3 * res.loss_history[0]
    assert model.get_var(TAU) == pytest.approx(res.values[TAU])  # written back


def test_optax_object_callback_and_tolerance(target):
    seen: list[tuple[int, float]] = []
    res = fit(pair(7.5), [W], target, OUT, T, DT, backend="jax", optimizer=optax.sgd(1e-3),
              epochs=3, callback=lambda e, loss, v: seen.append((e, loss)),
              update_template=False)
    assert [e for e, _ in seen] == [0, 1, 2] and [v for _, v in seen] == res.loss_history
    res = fit(pair(), [W], target, OUT, T, DT, backend="jax", epochs=5, tolerance=1e-20)
    assert len(res.loss_history) == 1  # at the truth the loss is ~0: stop after one epoch


def test_bad_optimizer(target):
    with pytest.raises(ValueError, match="optimizer 'newton'"):
        fit(pair(), [TAU], target, OUT, T, DT, backend="jax", optimizer="newton", epochs=1)
    with pytest.raises(TypeError, match="GradientTransformation"):
        fit(pair(), [TAU], target, OUT, T, DT, backend="jax", optimizer=lambda lr: 3, epochs=1)


def test_edge_delay_gradient_matches_central_differences(target):
    """An edge delay is a traced parameter: d(loss)/d(delay) equals central differences.

    The delay sits between grid points (0.1234 with dt 0.01), where the interpolated history
    is smooth in the delay.
    """
    spec = ("p1/qif_op/r", "p2/qif_op/r_in", "delay")
    name = "p1/qif_op/r->p2/qif_op/r_in:delay"
    h = 1e-5
    points = [{name: 0.1234}, {name: 0.1234 + h}, {name: 0.1234 - h}]
    results = loss_gradient(pair(delay=0.1234), [spec], target, OUT, T, DT, backend="jax",
                            values=points)
    fd = (results[1][0] - results[2][0]) / (2 * h)
    assert abs(fd) > 0
    assert results[0][1][name] == pytest.approx(fd, rel=1e-5)


def test_trained_delay_starting_on_the_grid_interpolates(target):
    """A delay whose model value lies on the step grid (0.2, dt 0.01) but is evaluated off it
    (0.1234): the loss and gradient equal those of the model built with 0.1234 (an exact
    on-grid gather would read the floor step and have a zero delay derivative).
    """
    spec = ("p1/qif_op/r", "p2/qif_op/r_in", "delay")
    name = "p1/qif_op/r->p2/qif_op/r_in:delay"
    on_grid = loss_gradient(pair(delay=0.2), [spec], target, OUT, T, DT, backend="jax",
                            values={name: 0.1234})
    off_grid = loss_gradient(pair(delay=0.1234), [spec], target, OUT, T, DT, backend="jax")
    assert on_grid[1][name] != 0
    assert on_grid[0] == pytest.approx(off_grid[0], rel=1e-12)
    assert on_grid[1][name] == pytest.approx(off_grid[1][name], rel=1e-10)
