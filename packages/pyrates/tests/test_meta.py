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
                    step_size=1e-3, outputs={"r": "p/qif_op/r"}, solver="scipy", verbose=False,
                    clear=True)
    clear_frontend_caches()
    assert np.isfinite(res["r"]).all() and res["r"].iloc[-1] > 0
    assert list(tmp_path.iterdir()) == []  # nothing written into the working directory


def test_1x_names_and_module_aliases():
    import inspect

    import pyrates
    from pyrates.frontend.template import CircuitTemplate, from_yaml, template_cache
    from pyrates.frontend.template.population import Connectivity, PopulationTemplate
    from pyrates.ir.node import clear_ir_caches
    from pyrates.utility import clear, grid_search, integrate

    for name in ("clear", "clear_frontend_caches", "save", "integrate", "grid_search",
                 "CircuitTemplate", "NodeTemplate", "EdgeTemplate", "OperatorTemplate",
                 "PopulationTemplate", "Connectivity"):
        assert hasattr(pyrates, name), name
    assert CircuitTemplate is pyrates.CircuitTemplate and clear is pyrates.clear
    assert integrate is pyrates.integrate and grid_search is pyrates.grid_search
    assert PopulationTemplate is pyrates.PopulationTemplate
    assert Connectivity is pyrates.Connectivity
    params = inspect.signature(pyrates.clear_frontend_caches).parameters
    assert list(params) == ["clear_template_cache", "clear_ir_cache"]
    run = list(inspect.signature(CircuitTemplate.run).parameters)
    assert run[:13] == ["self", "simulation_time", "step_size", "inputs", "outputs",
                        "sampling_step_size", "cutoff", "solver", "backend", "vectorize",
                        "verbose", "clear", "in_place"]
    grf = list(inspect.signature(CircuitTemplate.get_run_func).parameters)
    assert grf[:9] == ["self", "func_name", "step_size", "inputs", "backend", "vectorize",
                       "verbose", "clear", "in_place"]
    jrc = from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    assert isinstance(jrc, CircuitTemplate)
    template_cache.clear()
    clear_ir_caches()


def test_constructor_parameter_order_of_1x():
    import inspect

    import pyrates

    def params(cls):
        return list(inspect.signature(cls.__init__).parameters)[1:]

    assert params(pyrates.OperatorTemplate)[:5] == ["name", "path", "equations", "variables",
                                                    "description"]
    assert params(pyrates.NodeTemplate)[:4] == ["name", "operators", "path", "description"]
    assert params(pyrates.EdgeTemplate)[:4] == ["name", "operators", "path", "description"]
    assert params(pyrates.CircuitTemplate)[:6] == ["name", "path", "description", "circuits",
                                                   "nodes", "edges"]
