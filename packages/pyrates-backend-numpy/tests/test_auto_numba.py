"""The automatic numba choice: cache, probe estimate, NumPy time already spent, forced flags."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from numpy_backend_testlib import requires_numba, wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_backend_numpy import backend as backend_module
from pyrates_backend_numpy.jit import COMPILE_SECONDS, choose_numba, numba_available
from pyrates_core.backend import CodegenOptions, SimulationRequest


def _never() -> bool:
    return False


@requires_numba
def test_choice_rules():
    big, small = (lambda: 2 * COMPILE_SECONDS), (lambda: 0.01)
    assert choose_numba({}, 1000, _never, big)[0] is True
    ok, why = choose_numba({}, 1000, _never, small)
    assert ok is False and "<= compile" in why
    # rent-or-buy: NumPy time already spent on this model tips the balance
    ok, why = choose_numba({}, 1000, _never, small, lambda: COMPILE_SECONDS)
    assert ok is True and "earlier runs" in why
    assert choose_numba({}, 1000, lambda: True, small) == (True, "compiled model cached "
                                                                 "(memory or disk)")
    assert choose_numba({"numba": False}, 1000, lambda: True, big)[0] is False
    assert choose_numba({"numba": True}, 10, _never, small)[0] is True
    assert choose_numba({}, None, _never, big)[0] is False  # vector field only

    def broken() -> float:
        raise RuntimeError("probe")

    ok, why = choose_numba({}, 10, _never, broken)
    assert ok is False and why.startswith("probe failed (RuntimeError)")


def test_without_numba_nothing_is_compiled(monkeypatch):
    from pyrates_backend_numpy import jit

    monkeypatch.setattr(jit, "numba_available", lambda: False)
    assert jit.choose_numba({}, 10**9, _never, lambda: 1e9) == (False, "numba is not installed")


@requires_numba
def test_probe_estimates_the_numpy_run_and_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    system = wilson_cowan(4)
    backend = NumpyBackend()
    n_steps = 2000
    opts = CodegenOptions(step_size=0.1, n_steps=n_steps, solver="euler")
    code = backend.generate(system, opts)
    assert os.listdir(tmp_path) == []
    reason = code.metadata["numba_reason"]
    assert "estimated NumPy run" in reason or "cached" in reason
    if "estimated" not in reason:
        pytest.skip("compiled model already cached by another test")
    estimate = float(reason.split("estimated NumPy run ")[1].split(" s")[0])
    # the estimate is of the right order: time the real NumPy run of the same length
    model = backend.load(code, Path(tmp_path / "work"))
    result = backend.integrate(model, SimulationRequest(simulation_time=n_steps * 0.1,
                                                        step_size=0.1))
    assert 0.1 < estimate / result.stats["run_time"] < 10
    assert code.metadata["numba"] is False and estimate < COMPILE_SECONDS
    # its NumPy time is remembered for the next decision on the same model
    assert backend_module._numpy_seconds[code.metadata["numpy_key"]] >= result.stats["run_time"]


@requires_numba
def test_repeated_runs_switch_to_numba(tmp_path, monkeypatch):
    system = wilson_cowan(3, seed=7)
    backend = NumpyBackend()
    opts = CodegenOptions(step_size=0.1, n_steps=100, solver="euler")
    first = backend.generate(system, opts)
    if first.metadata["numba"]:
        pytest.skip("compiled model already cached")
    monkeypatch.setitem(backend_module._numpy_seconds, first.metadata["numpy_key"],
                        COMPILE_SECONDS)
    again = backend.generate(system, opts)
    assert again.metadata["numba"] is True and "earlier runs" in again.metadata["numba_reason"]
    assert numba_available()
