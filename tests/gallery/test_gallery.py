"""The PyRates 1.x gallery use cases, run by us and compared with the original's numbers.

``gallery_cases.py`` holds the cases (the gallery's calls, short times); ``reference.json``
their numbers under the original PyRates 1.2.3 (written by ``make_reference.py``). The
original computes in float32 by default, so trajectories must agree to float32 precision:
``max |ours - original| <= RTOL * max |original|`` per output, on the same sample times.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import gallery_cases
import numpy as np
import pytest
from gallery_cases import CASES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

REFERENCE = json.loads((Path(__file__).parent / "reference.json").read_text())
RTOL = 1e-4
"""float32 precision of the original, accumulated over a few thousand steps."""

NOT_PORTED = {
    "continuation": "needs the Fortran backend and AUTO-07p (another engineer's task)",
    "dde": "the original PyRates 1.2.3 cannot finish this example itself",
    "jacobian_parameter_fitting": "Jacobians come with issue 16 (Jacobians and populations)",
    "population_connectivity": "PopulationTemplate comes with issue 16",
    "benchmark_population_connectivity": "PopulationTemplate comes with issue 16",
    "qif_parameter_fitting": "needs get_jacobian_func, coming with issue 16",
}
"""Gallery scripts without a case here, and why."""

CASE_TOLERANCE: dict[str, float] = {}
"""Per-case tolerances where float32 error control of the original limits agreement."""

KNOWN_DIFFERENCES = {
    ("simulations", "heun_r"): (
        "the original's 'heun' reuses the first stage's derivative buffer, so it computes "
        "y + h f(y + h f(y)) (first order; x' = -x, h = 0.1 gives 0.91 per step, Heun 0.905); "
        "we keep the real Heun method and check it against the same problem solved by RK23",
        "rk23_r", 1e-3),
    ("simulations", "run_func_r"): (
        "get_run_func's y starts at the circuit's state after the last run; after a scipy run "
        "the original stores the last recorded row (t = T - s) there, we the state at T, so "
        "the start differs by 1e-3 and the trajectory by a few 1e-3",
        "run_func_r", 1e-2),
}
"""(case, output) -> (reason, reference output to compare with, relative tolerance)."""


def original_input_grid(inp: np.ndarray, T: float, dt: float) -> np.ndarray:
    """Resample ``inp`` so that our rows (t_i = i*dt) carry the values the original reads:
    it places the n rows of an adaptive run's input at ``linspace(0, T, n)``."""
    n = inp.shape[0]
    return np.interp(np.arange(n) * dt, np.linspace(0.0, T, n), inp)


@pytest.fixture(autouse=True)
def _scratch_cwd(tmp_path, monkeypatch):
    """Each case runs in an empty directory that must stay empty unless the case writes."""
    monkeypatch.chdir(tmp_path)
    from pyrates import clear_frontend_caches

    clear_frontend_caches()
    yield
    clear_frontend_caches()


def _decode(entry: dict) -> np.ndarray:
    real = np.asarray(entry["real"], dtype=float)
    return real + 1j * np.asarray(entry["imag"]) if "imag" in entry else real


@pytest.fixture
def original_grid(monkeypatch):
    """Emulate the original's time grid of adaptive-run inputs (see original_input_grid)."""
    monkeypatch.setattr(gallery_cases, "ADAPTIVE_INPUT", original_input_grid)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gallery_case_matches_the_original(name, original_grid):
    ref = REFERENCE[name]
    result = CASES[name]()
    if "_error" in ref:
        # the original fails on this case: ours must run it and give finite numbers
        assert result and all(np.isfinite(np.asarray(v)).all() for _, v in result.values())
        return
    assert sorted(result) == sorted(ref)
    tol = CASE_TOLERANCE.get(name, RTOL)
    for key, (times, values) in result.items():
        if (name, key) in KNOWN_DIFFERENCES:
            _, key_ref, known_tol = KNOWN_DIFFERENCES[(name, key)]
            expected = _decode(ref[key_ref])
            assert np.max(np.abs(values - expected)) <= known_tol * np.max(np.abs(expected))
            continue
        expected_t = np.asarray(ref[key]["time"])
        assert len(times) == len(expected_t), f"{name}/{key}: rows {times[0]} != {expected_t[0]}"
        assert np.allclose(times, expected_t, rtol=0, atol=1e-9), f"{name}/{key}: sample times"
        expected = _decode(ref[key])
        ours = np.asarray(values)
        scale = max(float(np.max(np.abs(expected))), 1e-12)
        err = float(np.max(np.abs(ours - expected)))
        assert err <= tol * scale, f"{name}/{key}: max error {err:.3g} > {tol:g} * {scale:.3g}"


@pytest.mark.parametrize("script", sorted(NOT_PORTED))
def test_gallery_scripts_not_ported(script):
    pytest.skip(NOT_PORTED[script])


def test_inputs_of_adaptive_runs_sit_on_the_step_grid():
    """Without the emulation, an input ramp read by an adaptive solver differs from the
    original by the original's grid stretch n/(n-1): 5e-4 of the ramp here, not more."""
    ref = REFERENCE["edge_definitions"]["tanh_r1"]
    ours = CASES["edge_definitions"]()["tanh_r1"][1]
    expected = _decode(ref)
    rel = np.max(np.abs(ours - expected)) / np.max(np.abs(expected))
    assert 1e-4 < rel < 1e-3


GALLERY_IMPORTS = """
from pyrates import CircuitTemplate, NodeTemplate, EdgeTemplate, OperatorTemplate, clear
from pyrates import clear_frontend_caches, grid_search, integrate
from pyrates.frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates.frontend.template import from_yaml, CircuitTemplate, template_cache
from pyrates.frontend.template.population import PopulationTemplate, Connectivity
from pyrates.ir.circuit import in_edge_indices, in_edge_vars
from pyrates.ir.node import clear_ir_caches
OperatorTemplate.cache.clear(); clear_ir_caches(); in_edge_indices.clear(); in_edge_vars.clear()
template_cache.clear()
"""
"""Every pyrates import of the 1.x gallery scripts (and the cache clearing of
examples/qif_parameter_fitting.py)."""


def test_every_gallery_import_works():
    exec(compile(GALLERY_IMPORTS, "gallery_imports", "exec"), {})  # noqa: S102 - fixed text


def test_no_files_left_behind_by_clear_runs(tmp_path):
    CASES["qif"]()
    assert os.listdir(tmp_path) == []
