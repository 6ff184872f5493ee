"""jax.grad through a delayed network matches central finite differences (1e-5 relative)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax_backend_testlib import delayed_network, load

from pyrates_core.backend import SimulationRequest
from pyrates_core.compile import compile_network
from pyrates_core.registry import get_backend

DT = 1e-3


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory):
    """The delayed 10-node QIF network, loaded, with an RK4 simulation of 2 time units."""
    system = compile_network(delayed_network().network())
    model = load(system, tmp_path_factory.mktemp("grad"), "rk4", DT)
    r_name, _ = system.labels()["n0/qif_op/r"]
    request = SimulationRequest(simulation_time=2.0, step_size=DT, solver="rk4",
                                sampling_step_size=1e-2,
                                outputs={"r": (r_name, np.arange(10))})
    sim = get_backend("jax").simulation(model, request)
    return system, model, request, sim


def _edge(system, source: str, target: str) -> tuple[str, int]:
    """(weight parameter, element) of the delayed edge ``source -> target`` (node names)."""
    for b in system.edges:
        for e in range(b.n_edges):
            src = f"{source}/qif_op/r"
            if b.delays[e] > 0 and _element(system, b.source, b.source_idx[e]) == src and \
                    int(b.target_idx[e]) == int(target[1:]):
                return b.weights, e
    raise AssertionError(f"no delayed edge {source} -> {target}")


def _element(system, symbol: str, index: int) -> str:
    for group in (system.states, system.assignments):
        for spec in group:
            if spec.name == symbol:
                return spec.labels[int(index)]
    raise KeyError(symbol)


def _loss(outputs: dict) -> jax.Array:
    return jnp.mean(outputs["r"] ** 2)


def _central_difference(sim, name: str, index: int | None, h_rel: float = 1e-6) -> float:
    base = np.asarray(sim.defaults[name], dtype=float)
    h = h_rel * max(1.0, float(np.abs(base).max()))
    values = []
    for sign in (1, -1):
        v = base.copy()
        if index is None:
            v = v + sign * h
        else:
            v[index] += sign * h
        values.append(float(_loss(sim.run({name: v})[0])))
    return (values[0] - values[1]) / (2 * h)


def test_grad_rate_constant_and_edge_weight(prepared) -> None:
    """d loss / d tau (time constant of every node) and d loss / d (weight of one edge)."""
    system, _, _, sim = prepared
    w_name, e = _edge(system, "n3", "n5")
    tau = "tau"
    assert np.ndim(system.params[tau].value) == 0

    def loss(params: dict) -> jax.Array:
        return _loss(sim.run(params)[0])

    grads = jax.grad(loss)({tau: jnp.asarray(sim.defaults[tau]),
                            w_name: jnp.asarray(sim.defaults[w_name])})
    fd_tau = _central_difference(sim, tau, None)
    fd_w = _central_difference(sim, w_name, e)
    g_tau, g_w = float(grads[tau]), float(grads[w_name][e])
    assert abs(g_tau) > 1e-4 and abs(g_w) > 1e-6  # non-trivial sensitivities
    assert abs(g_tau - fd_tau) <= 1e-5 * abs(fd_tau), (g_tau, fd_tau)
    assert abs(g_w - fd_w) <= 1e-5 * abs(fd_w), (g_w, fd_w)


def test_grad_past_delay(tmp_path) -> None:
    """A past() delay is a parameter: d x(T) / d tau through the interpolation weights."""
    import sympy as sp

    from pyrates_core.functions import Past
    from pyrates_core.system import ParameterSpec, StateSpec, SystemIR

    x, tau = sp.symbols("x tau")
    system = SystemIR([StateSpec("x", 0, np.ones(1), ["n/op/x"])], [-Past(x, tau)],
                      {"tau": ParameterSpec("tau", np.asarray(0.733))}, {}, [])
    model = load(system, tmp_path, "rk4", 0.01)
    request = SimulationRequest(simulation_time=3.0, step_size=0.01, solver="rk4",
                                outputs={"x": ("x", np.arange(1))}, history="initial")
    sim = get_backend("jax").simulation(model, request)

    def final(t: float) -> float:
        return float(sim.run({"tau": np.asarray(t)})[1][0])

    g = float(jax.grad(lambda t: sim.run({"tau": t})[1][0])(jnp.asarray(0.733)))
    h = 1e-6
    fd = (final(0.733 + h) - final(0.733 - h)) / (2 * h)
    assert abs(g) > 0.1
    assert abs(g - fd) <= 1e-5 * abs(fd), (g, fd)

    # the same through integrate(): traced param_values give JAX arrays back
    backend = get_backend("jax")

    def through_integrate(t: jax.Array) -> jax.Array:
        req = dataclasses.replace(request, param_values={"tau": t})
        return backend.integrate(model, req).final_state[0]

    g2 = float(jax.grad(through_integrate)(jnp.asarray(0.733)))
    assert abs(g2 - g) <= 1e-12 * abs(g)


def test_grad_edge_delay(prepared, tmp_path) -> None:
    """d loss / d (delay of one edge): the delay parameter is traced and the interpolation
    coefficients follow it. The delay is moved off the step grid first (the piecewise-cubic
    interpolant has a kink at grid points, where left and right derivatives differ)."""
    system, model, request, _ = prepared
    w_name, e = _edge(system, "n3", "n5")
    b = next(b for b in system.edges if b.weights == w_name)
    d_name = b.delay_param
    assert d_name is not None and system.params[d_name].role == "delay"
    delays = np.asarray(system.params[d_name].value, dtype=float).copy()
    delays[e] += 0.37 * DT
    req = dataclasses.replace(request, param_values={d_name: delays})
    sim = get_backend("jax").simulation(model, req)

    def loss(d: jax.Array) -> jax.Array:
        return _loss(sim.run({d_name: d})[0])

    g = float(jax.grad(loss)(jnp.asarray(delays))[e])
    fd = _central_difference(sim, d_name, e, h_rel=1e-7)
    assert abs(g) > 1e-6  # a non-trivial sensitivity
    assert abs(g - fd) <= 1e-5 * abs(fd), (g, fd)
