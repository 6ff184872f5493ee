"""The core's sparsity pattern (pyrates_core.jacobian_blocks) against the numpy Jacobian."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy_backend_testlib import wilson_cowan

from pyrates_backend_numpy import NumpyBackend
from pyrates_core.backend import CodegenOptions
from pyrates_core.jacobian import jacobian_ir
from pyrates_core.jacobian_blocks import sparsity_pattern


def test_pattern_matches_the_evaluated_jacobian(tmp_path: Path) -> None:
    """At a generic state, the non-zeros of J0 and of every J_tau that the generated module
    returns are exactly the structural pattern the core predicts."""
    system = wilson_cowan(7, seed=3)
    backend = NumpyBackend()
    model = backend.load(backend.generate(system, CodegenOptions(target="jacobian")), tmp_path)
    y = np.random.default_rng(1).uniform(0.1, 0.4, system.n_state)
    j0, delayed = model.func(0.0, y, *model.args)
    patterns = sparsity_pattern(jacobian_ir(system))
    assert len(patterns) == 1 + len(delayed)
    for (rows, cols), mat in zip(patterns, [j0, *delayed]):
        assert set(zip(rows.tolist(), cols.tolist())) == set(zip(*np.nonzero(mat)))


def test_jacobian_refuses_its_own_names_and_keywords() -> None:
    """A func_name the module defines itself (``sparse``) or a keyword is refused, by name."""
    for bad in ("sparse", "_assemble", "lambda"):
        with pytest.raises(ValueError, match=f"func_name '{bad}' is not a usable identifier"):
            NumpyBackend().generate(wilson_cowan(3), CodegenOptions(target="jacobian",
                                                                    func_name=bad))
