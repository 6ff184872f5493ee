"""Model builders and helpers shared by the numpy backend tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from pyrates_backend_numpy import NumpyBackend, numba_available
from pyrates_core.backend import CodegenOptions, LoadedModel, SimulationRequest
from pyrates_core.functions import EdgeSum, Past
from pyrates_core.system import Assignment, EdgeBundle, ParameterSpec, StateSpec, SystemIR

requires_numba = pytest.mark.skipif(not numba_available(), reason="numba is not installed")


def wilson_cowan(n: int, seed: int = 0, dt: float = 0.1, max_lag: int = 8,
                 fractional: bool = False) -> SystemIR:
    """Small delayed Wilson-Cowan network: delayed E->E bundle (some zero delays), a delayed
    bundle from an assignment, and a Past term; ``fractional`` adds non-multiple delays."""
    rng = np.random.default_rng(seed)
    tgt, src = np.nonzero(rng.random((n, n)) < 0.6)
    lags = rng.integers(0, max_lag + 1, tgt.size).astype(float)
    if fractional:
        lags = np.where(lags > 0, lags + 0.37, 0.0)
    E, I, E_in, rate = sp.symbols("E I E_in rate")  # noqa: N806
    a, c1, c2, c3, c4, P, g, tau_e, tau_i, tau_p = sp.symbols(  # noqa: N806
        "a c1 c2 c3 c4 P g tau_e tau_i tau_p")
    values = {"a": 1.3, "c1": 16.0, "c2": 12.0, "c3": 15.0, "c4": 3.0, "P": 0.5, "g": 0.6,
              "tau_e": 2.5, "tau_i": 3.75, "tau_p": 0.7}
    params = {k: ParameterSpec(k, np.asarray(v)) for k, v in values.items()}
    params["w"] = ParameterSpec("w", rng.uniform(0, 0.5, tgt.size))
    params["w_i"] = ParameterSpec("w_i", rng.uniform(0, 0.2, n))
    labels = [f"n{i}" for i in range(n)]
    states = [StateSpec("E", 0, rng.uniform(0.05, 0.2, n), labels),
              StateSpec("I", n, rng.uniform(0.05, 0.2, n), labels)]
    assignments = [Assignment("rate", 1 / (1 + sp.exp(-a * (E - 0.2))), n, labels),
                   Assignment("E_in", g * EdgeSum(E, 0) + 0.1 * EdgeSum(rate, 1), n, labels)]
    sig = lambda x: 1 / (1 + sp.exp(-a * x))  # noqa: E731
    derivs = [(-E + sig(c1 * E - c2 * I + P + E_in)) / tau_e,
              (-I + sig(c3 * E - c4 * Past(I, tau_p) + 0.1 * Past(E, 2 * tau_p))) / tau_i]
    ii = np.arange(n, dtype=np.int64)
    bundles = [EdgeBundle("ee", "E", n, n, src.astype(np.int64), tgt.astype(np.int64), "w",
                          lags * dt),
               EdgeBundle("re", "rate", n, n, ii, ii[::-1].copy(), "w_i",
                          np.full(n, 3 * dt))]
    return SystemIR(states, derivs, params, {}, assignments, bundles)


def load(system: SystemIR, tmp: Path, numba: bool, **options: object) -> LoadedModel:
    """Generate and load ``system`` with the numpy backend."""
    backend = NumpyBackend()
    code = backend.generate(system, CodegenOptions(extra={"numba": numba}, **options))
    return backend.load(code, tmp)


def request(t_end: float, dt: float = 0.1, **kw: object) -> SimulationRequest:
    """A request recording everything of the Wilson-Cowan test network."""
    outputs = {"E": ("E", None), "I": ("I", np.array([0, 2])), "E_in": ("E_in", None)}
    return SimulationRequest(simulation_time=t_end, step_size=dt, outputs=outputs, **kw)
