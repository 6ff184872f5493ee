"""Generated code: size, readability, strict printing, loading and standalone use."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from numpy_backend_testlib import load, requires_numba, wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions
from pyrates_core.errors import EquationError
from pyrates_core.system import ParameterSpec, StateSpec, SystemIR
from pyrates_core.testing import undelayed_edges


def _decay(n: int) -> SystemIR:
    x, k = sp.symbols("x k")
    return SystemIR([StateSpec("x", 0, np.linspace(1, 2, n), [f"n{i}" for i in range(n)])],
                    [-k * x], {"k": ParameterSpec("k", np.asarray(0.5))}, {}, [])


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
def test_code_size_does_not_grow_with_nodes(numba: bool) -> None:
    backend = NumpyBackend()
    small = backend.generate(wilson_cowan(40), CodegenOptions(extra={"numba": numba})).source
    large = backend.generate(wilson_cowan(400), CodegenOptions(extra={"numba": numba})).source
    assert len(small.splitlines()) == len(large.splitlines())
    # identical up to the sizes written as numbers
    assert re.sub(r"\d+", "0", small) == re.sub(r"\d+", "0", large)
    assert "y[0:400]" in large


def test_readable_code() -> None:
    code = NumpyBackend().generate(wilson_cowan(80), CodegenOptions(extra={"numba": False}))
    src = code.source
    assert "    E = y[0:80]\n" in src and "    I = y[80:160]\n" in src
    # one line per derivative, written into its slice of dy
    assert src.count("    dy[0:80] = ") == 1 and src.count("    dy[80:160] = ") == 1
    assert "np.exp(" in src and "numpy.exp" not in src
    assert code.arg_names[:3] == ["a", "c1", "c2"] and "hist_E" in code.arg_names
    compile(src, "generated.py", "exec")


def test_strict_printer_names_unknown_function() -> None:
    x = sp.Symbol("x")
    system = _decay(3)
    system.derivatives = [sp.Function("frobnicate")(x)]
    with pytest.raises(EquationError, match="frobnicate"):
        NumpyBackend().generate(system, CodegenOptions(extra={"numba": False}))


def test_load_writes_into_workdir_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    backend = NumpyBackend()
    code = backend.generate(_decay(3), CodegenOptions(func_name="rhs", extra={"numba": False}))
    model = backend.load(code, tmp_path / "work", file_name="my_model.py")
    assert model.path == tmp_path / "work" / "my_model.py" and model.path.is_file()
    assert list(cwd.iterdir()) == []
    y = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(model.func(0.0, y, *model.args), -0.5 * y)
    assert len(model.args) == len(code.arg_names) == 1


def test_default_args_evaluate_the_vector_field(tmp_path: Path) -> None:
    model = load(wilson_cowan(5), tmp_path, False)
    assert len(model.args) == len(model.code.arg_names)
    dy = model.func(0.0, model.code.system.initial_state(), *model.args)
    assert dy.shape == (10,) and np.all(np.isfinite(dy)) and np.any(dy != 0)


@pytest.mark.parametrize("numba", [False, pytest.param(True, marks=requires_numba)])
def test_standalone_file_runs_in_fresh_process(tmp_path: Path, numba: bool) -> None:
    backend = NumpyBackend()
    code = backend.generate(_decay(4), CodegenOptions(extra={"numba": numba}))
    path = tmp_path / "standalone.py"
    path.write_text(code.source)
    script = textwrap.dedent(f"""
        import importlib.util, sys
        import numpy as np
        spec = importlib.util.spec_from_file_location("standalone", {str(path)!r})
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        assert not [m for m in sys.modules if m.startswith("pyrates")], "imports pyrates"
        y = np.array([1.0, 2.0, 3.0, 4.0])
        print(repr(mod.vector_field(0.0, y, 0.5).tolist()))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert eval(out.stdout.strip()) == [-0.5, -1.0, -1.5, -2.0]


def test_generate_is_deterministic() -> None:
    backend = NumpyBackend()
    a = backend.generate(wilson_cowan(6), CodegenOptions(extra={"numba": False})).source
    b = backend.generate(wilson_cowan(6), CodegenOptions(extra={"numba": False})).source
    assert a == b


def test_dense_and_sparse_bundles_are_chosen_by_density() -> None:
    system = undelayed_edges().system  # 12 edges of 900 pairs, and 600 of 900
    src = NumpyBackend().generate(system, CodegenOptions(extra={"numba": False})).source
    assert "_edge_sum_sparse(x, sparse_b_src, sparse_b_tgt, sparse_b_w, 30)" in src
    assert "_matvec(dense_b_W, x)" in src


def test_automatic_jit_choice_follows_run_length():
    from pyrates_backend_numpy.jit import AUTO_MIN_STEPS, numba_available, use_numba

    assert use_numba({}, None) is False  # no step count (get_run_func): plain NumPy
    assert use_numba({}, AUTO_MIN_STEPS - 1) is False
    assert use_numba({}, AUTO_MIN_STEPS) is numba_available()
    assert use_numba({"numba": False}, 10 * AUTO_MIN_STEPS) is False
    assert use_numba({"numba": "auto"}, 10) is False
