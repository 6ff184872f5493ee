"""The julia backend's 'jacobian' target: generated F(u, p, t) parses (tree-sitter-julia) for
ODE and delayed models; executed against numpy's Jacobian where Julia is installed."""

import numpy as np
import pytest
from julia_testlib import JRC, QIF, needs_julia, parse_errors

from pyrates_backend_julia.runner import find_julia
from pyrates_core.backend import CodegenOptions
from pyrates_core.errors import SolverError
from pyrates_core.registry import get_backend
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.jacobian_checks import rate_network
from pyrates_frontend.simulation import build_system


def _delays():
    return np.random.default_rng(11).choice([0.0, 0.002, 0.005], size=(10, 10))


def _source(circuit, name):
    system = build_system(circuit, True, "float64", set())
    return get_backend("julia").generate(system, CodegenOptions(func_name=name,
                                                                target="jacobian")).source


@pytest.mark.parametrize(("make", "pages"), [(lambda: CircuitTemplate.from_yaml(JRC), 1),
                                             (lambda: CircuitTemplate.from_yaml(QIF), 1),
                                             (lambda: rate_network(_delays()), 3)])
def test_jacobian_source_parses(make, pages):
    """JRC, QIF and the delayed 10-node network: the file parses and F(u, p, t) fills
    1 + (number of delays) pages."""
    text = _source(make(), "mjac")
    assert parse_errors(text) == []
    assert "function mjac(u, p, t)" in text and "function mjac_params(" in text
    assert f", {pages})" in text.split("function mjac(u, p, t)")[1].split("J = zeros(")[1]
    assert text.count(".+= ") >= 2


@pytest.mark.skipif(find_julia() is not None, reason="Julia is installed")
def test_calling_without_julia_is_a_clear_error():
    """get_jacobian_func(backend='julia') works; calling J says Julia is missing."""
    j, ja, _, _ = CircuitTemplate.from_yaml(QIF).get_jacobian_func("qjac", 1e-3,
                                                                    backend="julia",
                                                                    verbose=False)
    with pytest.raises(SolverError, match="Julia installation"):
        j(0.0, ja[1], *ja[2:])


@needs_julia
@pytest.mark.parametrize("delayed", [False, True])
def test_executed_jacobian_equals_numpy(delayed):
    """Executed in Julia, J (and the delayed split) equals the numpy backend's to 1e-12."""
    c = rate_network(_delays() if delayed else None)
    j, ja, _, _ = c.get_jacobian_func("jl_jac", 1e-3, backend="julia", verbose=False)
    jn, jna, _, _ = c.get_jacobian_func("np_jac", 1e-3, verbose=False)
    y = ja[1] + 0.1
    out, ref = j(0.0, y, *ja[2:]), jn(0.0, y, *jna[2:])
    if delayed:
        assert np.abs(out[0] - ref[0]).max() < 1e-12
        assert all(np.abs(a - b).max() < 1e-12 for a, b in zip(out[1], ref[1]))
    else:
        assert np.abs(out - ref).max() < 1e-12
