"""Shared fixtures: fresh template caches, small Python models, a clean working directory."""

from __future__ import annotations

import os

import pytest

from pyrates_frontend import (
    CircuitTemplate,
    NodeTemplate,
    OperatorTemplate,
    clear_frontend_caches,
)


@pytest.fixture(autouse=True)
def _fresh_caches():
    clear_frontend_caches()
    yield
    clear_frontend_caches()


@pytest.fixture(autouse=True)
def _cwd_stays_clean():
    before = set(os.listdir("."))
    yield
    assert set(os.listdir(".")) == before, "a sweep left files in the working directory"


def li_node() -> NodeTemplate:
    """A leaky integrator r' = -r/tau + r_in."""
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    return NodeTemplate("li", operators=[op])


@pytest.fixture
def pair() -> CircuitTemplate:
    """a -> b with weight 2; a(0) = 1, so a = exp(-t) and b = w t exp(-t) (tau = 1)."""
    node = li_node()
    c = CircuitTemplate("pair", nodes={"a": node, "b": node},
                        edges=[("a/li_op/r", "b/li_op/r_in", None, {"weight": 2.0})])
    c.update_var(node_vars={"a/li_op/r": 1.0})
    return c


@pytest.fixture
def delayed_ring() -> CircuitTemplate:
    """Four leaky integrators in a ring with delayed edges, driven through node n0."""
    node = li_node()
    labels = [f"n{i}" for i in range(4)]
    edges = [(f"{labels[i]}/li_op/r", f"{labels[(i + 1) % 4]}/li_op/r_in", None,
              {"weight": 0.5 + 0.1 * i, "delay": 0.2 + 0.1 * i}) for i in range(4)]
    c = CircuitTemplate("ring", nodes=dict.fromkeys(labels, node), edges=edges)
    c.update_var(node_vars={"n0/li_op/r": 1.0})
    return c
