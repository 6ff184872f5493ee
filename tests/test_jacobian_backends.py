"""Every installed backend with the 'jacobian' capability against the numpy backend's
Jacobian (1e-12): JRC, a delayed 10-node network (J0, [J_tau...]) and the complex Kuramoto
mean field, where the backend supports them."""

import numpy as np
import pytest

from pyrates_core.errors import SolverError
from pyrates_core.registry import available_backends, get_backend
from pyrates_frontend import CircuitTemplate
from pyrates_frontend.jacobian_checks import rate_network

NMM = "model_templates.neural_mass_models"
OSC = "model_templates.oscillators"


def _jacobian_backends():
    out = []
    for name in sorted(available_backends()):
        caps = get_backend(name).capabilities
        if name != "numpy" and "jacobian" in caps:
            mark = [] if "execute" in caps else [pytest.mark.skip(
                reason=f"{name}: the generated code cannot run here (no Julia installation)")]
            out.append(pytest.param(name, marks=mark))
    return out


def _rate_net():
    rng = np.random.default_rng(5)
    rng.normal(size=(10, 10))
    rng.random((10, 10))  # the draws of rate_weights(5); the delays come next
    return rate_network(rng.choice([0.0, 0.002, 0.005], size=(10, 10)), seed=5)


MODELS = {"jrc": lambda: CircuitTemplate.from_yaml(f"{NMM}.jansenrit.JRC"),
          "delayed_net": _rate_net,
          "kuramoto_complex": lambda: CircuitTemplate.from_yaml(f"{OSC}.kuramoto.kmo_mf_2coupled")}


def _np(m):
    return np.asarray(m)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("backend", _jacobian_backends())
def test_backend_jacobian_equals_numpy(backend, model):
    """J (and every J_tau) of the backend equals numpy's at a perturbed state."""
    caps = get_backend(backend).capabilities
    c = MODELS[model]()
    kw = {"vectorize": False} if backend == "fortran" else {}
    if model == "kuramoto_complex" and "complex" not in caps:
        pytest.skip(f"{backend} has no complex support")
    try:
        j, ja, names, idx = c.get_jacobian_func("x_jac", 1e-3, backend=backend, verbose=False,
                                                in_place=False, **kw)
    except SolverError as exc:
        if backend == "fortran" and model != "jrc":
            pytest.skip(f"fortran Jacobians cover real scalar systems: {exc}")
        raise
    jn, jna, nnames, nidx = c.get_jacobian_func("n_jac", 1e-3, verbose=False, in_place=False,
                                                **kw)
    assert names == nnames and idx == nidx
    y = jna[1] + 0.1 * np.random.default_rng(3).standard_normal(jna[1].shape)
    out, ref = j(0.0, y, *ja[2:]), jn(0.0, y, *jna[2:])
    if isinstance(ref, tuple):
        assert isinstance(out, tuple) and len(out[1]) == len(ref[1]) == 2
        pairs = [(out[0], ref[0]), *zip(out[1], ref[1])]
    else:
        pairs = [(out, ref)]
    for a, b in pairs:
        assert _np(a).shape == b.shape
        assert np.abs(_np(a) - b).max() <= 1e-12 * max(1.0, np.abs(b).max())
    assert np.count_nonzero(pairs[0][1]) > 0
