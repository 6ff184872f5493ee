"""Shared fixtures: fresh template caches and a small two-node Python model."""

from __future__ import annotations

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


@pytest.fixture
def pair() -> CircuitTemplate:
    """a -> b with weight 2; a(0) = 1, so a = exp(-t) and b = w t exp(-t) (tau = 1)."""
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    node = NodeTemplate("li", operators=[op])
    c = CircuitTemplate("pair", nodes={"a": node, "b": node},
                        edges=[("a/li_op/r", "b/li_op/r_in", None, {"weight": 2.0})])
    c.update_var(node_vars={"a/li_op/r": 1.0})
    return c
