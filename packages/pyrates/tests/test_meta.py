"""The meta-package exposes the original PyRates user API."""

import numpy as np


def test_user_api_is_reexported():
    import pyrates
    import pyrates_frontend
    import pyrates_sweep

    for name in ("CircuitTemplate", "NodeTemplate", "EdgeTemplate", "OperatorTemplate",
                 "integrate", "clear_frontend_caches"):
        assert getattr(pyrates, name) is getattr(pyrates_frontend, name)
    assert pyrates.grid_search is pyrates_sweep.grid_search
    from pyrates.frontend import CircuitTemplate

    assert CircuitTemplate is pyrates_frontend.CircuitTemplate


def test_old_style_script_runs(tmp_path, monkeypatch):
    """A script written for PyRates 1.x: integrate a library template by its dotted path."""
    monkeypatch.chdir(tmp_path)
    from pyrates import clear_frontend_caches, integrate

    res = integrate("model_templates.neural_mass_models.qif.qif", simulation_time=40.0,
                    step_size=1e-3, outputs={"r": "p/qif_op/r"}, solver="scipy",
                    clear=True)
    clear_frontend_caches()
    assert np.isfinite(res["r"]).all() and res["r"].iloc[-1] > 0
    assert list(tmp_path.iterdir()) == []  # nothing written into the working directory
