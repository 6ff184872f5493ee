"""Every template of the library loads; every circuit simulates and survives a YAML round trip.

The templates are discovered by walking the YAML files, so a new template is covered
automatically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pyrates_frontend import CircuitTemplate, EdgeTemplate, NodeTemplate, OperatorTemplate
from pyrates_models import list_templates

TEMPLATES = list_templates()
LOADERS = {"OperatorTemplate": OperatorTemplate, "NodeTemplate": NodeTemplate,
           "EdgeTemplate": EdgeTemplate, "CircuitTemplate": CircuitTemplate}
# models in seconds with millisecond time constants need smaller steps than dimensionless ones
STEP_SIZES = {"model_templates.neural_mass_models.jansenrit": 1e-4}
N_STEPS = 10


def _step(path: str) -> float:
    return STEP_SIZES.get(path.rsplit(".", 1)[0], 1e-3)


def _simulate(circuit: CircuitTemplate, dt: float) -> pd.DataFrame:
    return circuit.run(simulation_time=N_STEPS * dt, step_size=dt, solver="euler",
                       backend="numpy", numba=False)


def test_discovery_finds_the_library():
    kinds = {k for _, k in TEMPLATES}
    assert kinds == set(LOADERS)
    assert len(TEMPLATES) > 100
    paths = {p for p, _ in TEMPLATES}
    for expected in ("model_templates.neural_mass_models.jansenrit.JRC",
                     "model_templates.neural_mass_models.qif.qif",
                     "model_templates.oscillators.vanderpol.vdp",
                     "model_templates.observers.bold.bold_op"):
        assert expected in paths


@pytest.mark.parametrize("path,kind", TEMPLATES, ids=[p for p, _ in TEMPLATES])
def test_template_loads(path, kind):
    tpl = LOADERS[kind].from_yaml(path)
    assert isinstance(tpl, LOADERS[kind])


CIRCUITS = [p for p, k in TEMPLATES if k == "CircuitTemplate"]


@pytest.mark.parametrize("path", CIRCUITS)
def test_circuit_simulates_and_round_trips(path, tmp_path):
    dt = _step(path)
    original = CircuitTemplate.from_yaml(path)
    written = original.to_yaml(tmp_path / "roundtrip.yaml", "rt")
    res = _simulate(original, dt)
    assert len(res) >= N_STEPS
    assert res.shape[1] > 0
    values = res.to_numpy()
    assert np.all(np.isfinite(values)), f"non-finite values in {path}"
    reloaded = CircuitTemplate.from_yaml(f"{written.with_suffix('')}/rt")
    res2 = _simulate(reloaded, dt)
    assert list(res2.columns) == list(res.columns)
    np.testing.assert_allclose(res2.to_numpy(), values, rtol=1e-12, atol=1e-14)
