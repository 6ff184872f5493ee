"""Populations with delayed matrix connectivity, per-entry edge templates and global (scalar)
coupling on other backends: the same trajectories as NumPy (lowered once, backend-neutrally)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import scipy.sparse

from pyrates_frontend import CircuitTemplate, Connectivity, NodeTemplate, PopulationTemplate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PHASE = "model_templates.oscillators.kuramoto.phase_pop"
SIN_EDGE = "model_templates.oscillators.kuramoto.sin_edge"
WC = "model_templates.neural_mass_models.wilsoncowan.exc_pop"
DT, STEPS = 1e-3, 120
BACKENDS = [b for b in ("jax", "torch") if importlib.util.find_spec(f"pyrates_backend_{b}")]


def _kuramoto(n=6, seed=5):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, (n, n)) * (rng.random((n, n)) < 0.6)
    np.fill_diagonal(w, 0.0)
    d = np.where(w != 0, rng.choice([0.002, 0.005], size=w.shape), 0.0)
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(PHASE), n,
                             params={"phase_op/theta": np.linspace(0.0, 3.0, n)})
    conn = Connectivity("e/phase_op/theta", "e/phase_op/s_in", scipy.sparse.csr_matrix(w),
                        edge=SIN_EDGE, delays=d,
                        edge_var_map={"theta_s": "source", "theta_t": "e/phase_op/theta"})
    return CircuitTemplate("kur", populations=[pop], connections=[conn]), "e/phase_op/theta"


def _wilson_cowan(n=8, seed=2):
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(w, 15.0)
    d = np.where(w != 0, rng.choice([0.0, 0.003, 0.004], size=w.shape), 0.0)
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(WC), n,
                             params={"rate_op/r": np.linspace(0.05, 0.6, n)})
    return CircuitTemplate("wc", populations=[pop], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", w, delays=d)]), "e/rate_op/r"


def _global(n=6):
    pop = PopulationTemplate("e", NodeTemplate.from_yaml(WC), n,
                             params={"rate_op/r": np.linspace(0.05, 0.6, n)})
    return CircuitTemplate("glob", populations=[pop], connections=[
        Connectivity("e/rate_op/r", "e/se_op/r_in", 3.0, delays=0.004)]), "e/rate_op/r"


@pytest.mark.skipif(not BACKENDS, reason="needs pyrates-backend-jax or pyrates-backend-torch")
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("make", [_kuramoto, _wilson_cowan, _global])
def test_population_on_other_backend_equals_numpy(make, backend):
    """heun, 120 steps, float64: the other backend's trajectories equal NumPy's to 1e-10."""
    circuit, path = make()
    ref = circuit.run(STEPS * DT, DT, outputs={"x": path}, solver="heun", verbose=False,
                      backend="numpy").to_numpy()
    circuit.clear()
    got = circuit.run(STEPS * DT, DT, outputs={"x": path}, solver="heun", verbose=False,
                      backend=backend, float_precision="float64").to_numpy()
    assert np.ptp(ref, axis=0).max() > 1e-3  # the network moves
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-10
