"""Shared steps of external-interpreter backends (pyrates_core.external) and generated files."""

import sys

import numpy as np
import pytest
from test_arg_layout import _system

from pyrates_core.backend import CodegenOptions, OptionSpec, SimulationRequest, SolverSpec
from pyrates_core.errors import SolverError, VariableNotFoundError
from pyrates_core.external import (
    check_codegen,
    check_request,
    default_values,
    pick_outputs,
    split_main_file,
)
from pyrates_core.generated_files import import_module_file, source_path, write_generated

SPECS = (SolverSpec("euler", adaptive=False),
         SolverSpec("ode", adaptive=True, options=(OptionSpec("rtol", (float,), 1e-6),)))


def test_check_codegen():
    """Targets and backend options are checked, with the backend's name in the message."""
    specs = (OptionSpec("timeout", (float,), None),)
    check_codegen("x", CodegenOptions(extra={"timeout": 2.0}), specs)
    with pytest.raises(ValueError, match="the x backend generates targets 'simulate' and "
                                         "'vector_field', not 'jacobian'"):
        check_codegen("x", CodegenOptions(target="jacobian"), specs)
    with pytest.raises(ValueError, match="unknown option 'numba' for the x backend; accepted: "
                                         "timeout"):
        check_codegen("x", CodegenOptions(extra={"numba": True}), specs)
    with pytest.raises(TypeError, match="option 'timeout' of the x backend"):
        check_codegen("x", CodegenOptions(extra={"timeout": "long"}), specs)


def test_split_main_file_and_defaults():
    """The file named after the function is the source; arguments are params then inputs."""
    system = _system()
    files = {"f.m": "main", "f_run.m": "driver"}
    code = split_main_file("x", ".m", system, CodegenOptions(func_name="f"), files, "L")
    assert (code.source, code.files, code.metadata) == ("main", {"f_run.m": "driver"},
                                                         {"layout": "L"})
    assert files == {"f.m": "main", "f_run.m": "driver"}  # the caller's dict is left alone
    assert code.arg_names == [*system.params, *system.inputs]
    values = default_values(system)
    assert len(values) == len(code.arg_names)
    assert all(np.array_equal(v, system.params[n].value) for v, n in zip(values, system.params))


def test_check_request():
    """Unknown solvers and options, batches and bad history modes are refused; options come
    back checked (an int tolerance becomes a float)."""
    req = SimulationRequest(1.0, 0.1, solver="ode", solver_options={"rtol": 1})
    assert check_request("x", SPECS, req) == {"rtol": 1.0}
    assert isinstance(check_request("x", SPECS, req)["rtol"], float)
    with pytest.raises(SolverError, match="solver 'rk9' is not supported by the x backend; "
                                          "choose one of: euler, ode"):
        check_request("x", SPECS, SimulationRequest(1.0, 0.1, solver="rk9"))
    with pytest.raises(SolverError, match=r"unknown solver_options \['rtol'\] .*accepted: none"):
        check_request("x", SPECS, SimulationRequest(1.0, 0.1, solver_options={"rtol": 1e-3}))
    with pytest.raises(SolverError, match="one parameter set at a time"):
        check_request("x", SPECS, SimulationRequest(1.0, 0.1, batch_params={"tau": np.ones(2)}))
    with pytest.raises(SolverError, match="not a history mode"):
        check_request("x", SPECS, SimulationRequest(1.0, 0.1, history="past"))


def test_pick_outputs():
    """States (negative indices wrap), recorded assignments, given and default inputs
    (sampled every ``stride`` steps), and a clear error for anything else."""
    system = _system()
    n_state, rows = system.n_state, 3
    states = np.arange(rows * n_state, dtype=float).reshape(rows, n_state)
    st = system.states[-1]
    inp = next(iter(system.inputs.values()))
    series = np.arange(10.0)[:, None] * np.ones(inp.size)
    req = SimulationRequest(1.0, 0.1, outputs={
        "s": (st.name, np.array([0, -1])), "a": ("A", np.array([1])),
        "u": (inp.name, np.array([0])), "d": (inp.name, np.array([0]))})
    recorded = {"A": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])}
    out = pick_outputs(system, req, states, 4, recorded.get, {})
    assert np.array_equal(out["s"], states[:, [st.start, st.start + st.size - 1]])
    assert np.array_equal(out["a"], [[2.0], [4.0], [6.0]])
    assert np.array_equal(out["d"], np.full((3, 1), inp.default[0]))
    out = pick_outputs(system, req, states, 4, recorded.get, {inp.name: series})
    assert np.array_equal(out["u"], [[0.0], [4.0], [8.0]])
    req.outputs = {"z": ("nothing", np.array([0]))}
    with pytest.raises(VariableNotFoundError, match="'nothing' is neither a state"):
        pick_outputs(system, req, states, 1, recorded.get, {})


def test_generated_files(tmp_path):
    """The main file gets the requested suffix, extra files go beside it, and a written
    module imports under its name (kept in sys.modules only on request)."""
    assert source_path(tmp_path, "model.txt", "x", ".py") == tmp_path / "model.py"
    assert source_path(tmp_path, None, "m_1", ".py") == tmp_path / "m_1.py"
    system = _system()
    code = split_main_file("x", ".py", system, CodegenOptions(func_name="f"),
                           {"f.py": "def f():\n    return 42\n", "data.txt": "1 2"}, None)
    path = write_generated(code, tmp_path / "sub" / "f.py")
    assert (tmp_path / "sub" / "data.txt").read_text() == "1 2"
    module = import_module_file(path, "_shrink_test_module")
    assert module.f() == 42 and "_shrink_test_module" not in sys.modules
    import_module_file(path, "_shrink_test_kept", keep=True)
    assert sys.modules.pop("_shrink_test_kept").f() == 42
    with pytest.raises(ImportError, match="not a .py file"):
        import_module_file(tmp_path / "sub" / "data.txt", "_shrink_bad")
