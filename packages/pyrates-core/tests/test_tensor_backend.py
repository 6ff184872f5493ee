"""Option checks and module import shared by the tensor backends."""

from __future__ import annotations

import sys

import pytest

from pyrates_core.backend import OptionSpec
from pyrates_core.errors import SolverError
from pyrates_core.tensor_backend import check_backend_options, import_generated

SPECS = (OptionSpec("device", (str,), None, "", ("cpu", "cuda")),
         OptionSpec("checkpoint", (int,), None, ""))


def test_check_backend_options():
    check_backend_options("demo", SPECS, {"device": "cpu", "checkpoint": 10})
    with pytest.raises(SolverError, match=r"unknown option\(s\) for the demo backend: \['jit'\]"):
        check_backend_options("demo", SPECS, {"jit": True})
    with pytest.raises(ValueError, match="'device' of the demo backend must be one of"):
        check_backend_options("demo", SPECS, {"device": "tpu"})
    with pytest.raises(TypeError, match="'checkpoint'"):
        check_backend_options("demo", SPECS, {"checkpoint": 2.5})
    with pytest.raises(SolverError, match="checkpoint must be a positive"):
        check_backend_options("demo", SPECS, {"checkpoint": 0})


def test_import_generated(tmp_path):
    before = set(sys.modules)
    mod, path = import_generated("def f(x):\n    return 2 * x\n", tmp_path, "demo")
    assert mod.f(21) == 42 and path.parent == tmp_path and path.name.startswith("demo_")
    assert set(sys.modules) == before  # nothing left registered
    mod2, path2 = import_generated("X = 1\n", tmp_path, "demo", file_name="named.py")
    assert mod2.X == 1 and path2 == tmp_path / "named.py"
