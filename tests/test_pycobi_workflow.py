"""The continuation gallery example of PyRates 1.x, unchanged: AUTO-07p files written by
``get_run_func(..., auto=True, backend='fortran')`` and driven by pycobi.

pycobi is installed by ``make install`` with ``--no-deps`` (its requirement ``pyrates>=1.2.2``
would replace this repository's meta-package), so this test lives with the cross-package tests.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from pyrates_frontend import CircuitTemplate

HAVE_AUTO = Path("/usr/lib/auto-07p/lib").is_dir()
HAVE_PYCOBI = importlib.util.find_spec("pycobi") is not None
needs_gfortran = pytest.mark.skipif(shutil.which("gfortran") is None,
                                    reason="gfortran not installed (apt-get install gfortran)")


def _write_qif(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    qif = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    qif.get_run_func(func_name="qif_rhs", file_name="qif", step_size=1e-4, auto=True,
                     backend="fortran", solver="scipy", vectorize=False,
                     float_precision="float64")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty folder the test writes AUTO files into (the user asked for them there)."""
    folder = tmp_path / "auto_files"
    folder.mkdir()
    return folder


@needs_gfortran
@pytest.mark.skipif(not HAVE_AUTO, reason="AUTO-07p not installed (apt-get install auto-07p)")
@pytest.mark.skipif(not HAVE_PYCOBI, reason="pycobi not installed (make install puts it in .venv "
                    "with pip install --no-deps pycobi)")
def test_pycobi_workflow(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The continuation gallery example of PyRates 1.x: time integration to t = 4, then a
    bidirectional continuation in eta (ICP=4) that finds both folds."""
    pytest.importorskip("pyrates", reason="the pyrates meta-package is not installed")
    from pyrates_backend_fortran.pycobi_compat import prepare_pycobi

    _write_qif(out_dir, monkeypatch)
    auto_dir = prepare_pycobi()
    from pycobi import ODESystem

    qif_auto = ODESystem(eq_file="qif", working_dir=None, auto_dir=auto_dir, init_cont=False)
    t_sols, t_cont = qif_auto.run(
        c="ivp", name="time", DS=1e-4, DSMIN=1e-10, EPSL=1e-08, EPSU=1e-08, EPSS=1e-06,
        DSMAX=1e-2, NMX=1000, UZR={14: 4.0}, STOP={"UZ1"})
    eta_sols, eta_cont = qif_auto.run(
        origin=t_cont, starting_point="UZ1", name="eta", bidirectional=True,
        ICP=4, RL0=-20.0, RL1=20.0, IPS=1, ILP=1, ISP=2, ISW=1, NTST=400,
        NCOL=4, IAD=3, IPLT=0, NBC=0, NINT=0, NMX=2000, NPR=10, MXBF=5, IID=2,
        ITMX=40, ITNW=40, NWTN=12, JAC=0, EPSL=1e-06, EPSU=1e-06, EPSS=1e-04,
        DS=1e-4, DSMIN=1e-8, DSMAX=5e-2, IADS=1, THL={}, THU={}, UZR={}, STOP={})
    folds = eta_sols[eta_sols["bifurcation"] == "LP"]
    etas = sorted(float(v) for v in np.ravel(folds["eta"].to_numpy()))
    assert etas == pytest.approx([-5.7435, -3.1361], abs=1e-3)
    qif_auto.close_session()
    assert re.search(r"fort\.7|b\.eta", " ".join(p.name for p in out_dir.iterdir()))
