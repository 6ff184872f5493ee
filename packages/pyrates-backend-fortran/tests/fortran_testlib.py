"""Helpers of the fortran backend tests."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

HAVE_GFORTRAN = shutil.which("gfortran") is not None and shutil.which("gcc") is not None
needs_gfortran = pytest.mark.skipif(not HAVE_GFORTRAN, reason="gfortran/gcc not installed "
                                    "(apt-get install gfortran)")


def common_times(a: pd.DataFrame, b: pd.DataFrame, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Values of two result frames on their common time points (matched to 1e-6 steps)."""
    ka = np.round(a.index.to_numpy() / dt).astype(np.int64)
    kb = np.round(b.index.to_numpy() / dt).astype(np.int64)
    common, ia, ib = np.intersect1d(ka, kb, return_indices=True)
    assert common.size > 0.9 * min(ka.size, kb.size), "too few common time points"
    return a.to_numpy()[ia], b.to_numpy()[ib]
