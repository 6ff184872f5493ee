"""Loading without a file: nothing written, one import per generated source, readable errors."""

from __future__ import annotations

import linecache
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from pyrates_backend_numpy import NumpyBackend
from pyrates_backend_numpy import backend as backend_module
from pyrates_core.backend import CodegenOptions
from pyrates_core.system import ParameterSpec, StateSpec, SystemIR


def _decay(rate: float, n: int = 3) -> SystemIR:
    x, k = sp.symbols("x k")
    return SystemIR([StateSpec("x", 0, np.linspace(1, 2, n), [f"n{i}" for i in range(n)])],
                    [-k * x], {"k": ParameterSpec("k", np.asarray(rate))}, {}, [])


def test_load_without_file_name_writes_nothing(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    be = NumpyBackend()
    code = be.generate(_decay(0.25, 4), CodegenOptions(func_name="rhs_nofile",
                                                       extra={"numba": False}))
    model = be.load(code, tmp_path / "work")
    assert model.path is None
    assert list(tmp_path.iterdir()) == []  # neither the work folder nor a file in the cwd
    y = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(model.func(0.0, y, *model.args), -0.25 * y)


def test_same_source_is_executed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = backend_module._exec_in_memory

    def counting(source: str, key: str):  # noqa: ANN202 - test double
        calls.append(key)
        return real(source, key)

    monkeypatch.setattr(backend_module, "_exec_in_memory", counting)
    monkeypatch.setattr(backend_module, "_modules", OrderedDict())
    be = NumpyBackend()
    options = CodegenOptions(func_name="rhs_once", extra={"numba": False})
    first = be.load(be.generate(_decay(0.5), options), tmp_path)
    second = be.load(be.generate(_decay(2.0), options), tmp_path)  # new value, same structure
    assert len(calls) == 1 and second.handle.module is first.handle.module
    assert second.code.metadata["compile_time"] == 0.0
    y = np.array([1.0, 2.0, 4.0])  # parameter values come from the new system, not the cache
    np.testing.assert_allclose(first.func(0.0, y, *first.args), -0.5 * y)
    np.testing.assert_allclose(second.func(0.0, y, *second.args), -2.0 * y)


def test_source_of_a_module_in_memory_is_readable(tmp_path: Path) -> None:
    be = NumpyBackend()
    code = be.generate(_decay(1.0), CodegenOptions(func_name="rhs_lines",
                                                   extra={"numba": False}))
    model = be.load(code, tmp_path)
    filename = model.func.__code__.co_filename
    assert filename.startswith("<pyrates generated")
    first_line = model.func.__code__.co_firstlineno
    assert "def rhs_lines(" in linecache.getline(filename, first_line + 0) + \
        linecache.getline(filename, first_line + 1)
