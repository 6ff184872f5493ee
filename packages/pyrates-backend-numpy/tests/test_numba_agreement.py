"""The numba path reproduces the pure NumPy path (delayed bundles, Past, assignments)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_backend_testlib import load, request, requires_numba, wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions, LoadedModel

pytestmark = requires_numba


@pytest.fixture(scope="module")
def models(module_tmp: Path) -> dict[str, LoadedModel]:
    """The same delayed network (fractional delays included), pure and compiled."""
    system = wilson_cowan(12, seed=3, fractional=True)
    return {"pure": load(system, module_tmp / "pure", False),
            "numba": load(system, module_tmp / "numba", True)}


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
def test_numba_matches_numpy(models: dict[str, LoadedModel], solver: str) -> None:
    backend = NumpyBackend()
    req = request(20.0, solver=solver)
    pure = backend.integrate(models["pure"], req)
    fast = backend.integrate(models["numba"], req)
    assert pure.stats["numba"] is False and fast.stats["numba"] is True
    for key in ("E", "I", "E_in"):
        assert pure.outputs[key].shape == (200, 12 if key != "I" else 2)
        np.testing.assert_allclose(fast.outputs[key], pure.outputs[key], rtol=0, atol=1e-12)
    # the network is not trivial: delayed coupling moves the state away from the start
    assert np.ptp(pure.outputs["E"]) > 1e-3
    np.testing.assert_allclose(fast.final_state, pure.final_state, rtol=0, atol=1e-12)


def test_numba_vector_field_matches_numpy(models: dict[str, LoadedModel]) -> None:
    y = models["pure"].code.system.initial_state() * 1.7
    pure = models["pure"].func(0.3, y, *models["pure"].args)
    fast = models["numba"].func(0.3, y, *models["numba"].args)
    np.testing.assert_allclose(fast, pure, rtol=0, atol=1e-13)


def test_numba_scipy_with_delays(models: dict[str, LoadedModel]) -> None:
    backend = NumpyBackend()
    req = request(5.0, solver="scipy", solver_options={"method": "RK45", "rtol": 1e-8})
    pure = backend.integrate(models["pure"], req)
    fast = backend.integrate(models["numba"], req)
    np.testing.assert_allclose(fast.outputs["E"], pure.outputs["E"], rtol=0, atol=1e-10)
    # the adaptive result agrees with rk4 at a small step
    rk4 = backend.integrate(models["pure"], request(5.0, dt=0.1, solver="rk4"))
    np.testing.assert_allclose(pure.outputs["E"], rk4.outputs["E"], atol=2e-3)


def test_regenerated_model_reuses_compiled_code_with_new_values(tmp_path: Path) -> None:
    """Same source -> no second compile; the new system's parameter values are used."""
    first = wilson_cowan(6, seed=5)
    second = wilson_cowan(6, seed=5)
    second.params["P"].value = np.asarray(1.5)
    a = load(first, tmp_path / "a", numba=True)
    b = load(second, tmp_path / "b", numba=True)
    assert b.code.metadata["compile_time"] == 0.0
    assert a.code.source == b.code.source
    backend = NumpyBackend()
    ra = backend.integrate(a, request(5.0))
    rb = backend.integrate(b, request(5.0))
    again = backend.integrate(load(first, tmp_path / "c", numba=True), request(5.0))
    assert not np.allclose(ra.outputs["E"], rb.outputs["E"])  # P changed the trajectory
    assert np.array_equal(ra.outputs["E"], again.outputs["E"])


def test_compiled_code_is_cached_on_disk_across_processes(tmp_path: Path) -> None:
    """A second process that generates the same model loads numba's cached machine code."""
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json, sys, tempfile, pathlib\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from numpy_backend_testlib import load, wilson_cowan\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    m = load(wilson_cowan(5, seed=11), pathlib.Path(d), numba=True)\n"
        "print(json.dumps(m.code.metadata['compile_time']))\n")
    env = {**os.environ, "PYRATES_CACHE_DIR": str(tmp_path / "cache")}
    times = [json.loads(subprocess.run([sys.executable, "-c", script], env=env, check=True,
                                       capture_output=True, text=True).stdout.strip())
             for _ in range(2)]
    assert list((tmp_path / "cache" / "numpy-backend" / "__pycache__").glob("*.nbi"))
    assert times[1] < 0.6 * times[0]
    env["PYRATES_CACHE_DIR"] = "off"  # disabled: nothing is written anywhere new
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    assert not (tmp_path / "off").exists()


@requires_numba
def test_automatic_choice_uses_a_cached_compiled_model(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Short runs stay NumPy until the compiled model is cached; then the default is numba,
    and the reason is in the run stats."""
    monkeypatch.setenv("PYRATES_CACHE_DIR", str(tmp_path / "cache"))
    system = wilson_cowan(5, seed=11)
    backend = NumpyBackend()
    short = CodegenOptions(n_steps=100)
    first = backend.generate(system, short)
    assert first.metadata["numba"] is False and "no compiled model" in first.metadata[
        "numba_reason"]
    backend.load(backend.generate(system, CodegenOptions(extra={"numba": True})), tmp_path)
    again = backend.generate(system, short)
    assert again.metadata["numba"] is True and "cached" in again.metadata["numba_reason"]
    model = backend.load(again, tmp_path)
    res = backend.integrate(model, request(1.0))
    assert res.stats["numba"] is True and "cached" in res.stats["numba_reason"]
    forced = backend.generate(system, CodegenOptions(n_steps=100, extra={"numba": False}))
    assert forced.metadata["numba"] is False and "forced" in forced.metadata["numba_reason"]
