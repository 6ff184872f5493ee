"""get_run_func(..., auto=True, backend='fortran') writes the AUTO-07p files of PyRates 1.x,
and the original's pycobi workflow runs on them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from fortran_testlib import needs_gfortran

from pyrates_backend_fortran.auto import par_slots
from pyrates_frontend import CircuitTemplate

HAVE_AUTO = Path("/usr/lib/auto-07p/lib").is_dir() or bool(
    __import__("os").environ.get("AUTO_DIR"))
HAVE_PYCOBI = importlib.util.find_spec("pycobi") is not None


def _write_qif(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(folder)
    qif = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    qif.get_run_func(func_name="qif_rhs", file_name="qif", step_size=1e-4, auto=True,
                     backend="fortran", solver="scipy", vectorize=False,
                     float_precision="float64")
    return (folder / "qif.f90").read_text(), (folder / "c.ivp").read_text()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty folder the test writes AUTO files into (the user asked for them there)."""
    folder = tmp_path / "auto_files"
    folder.mkdir()
    return folder


def test_par_slots_skip_autos_reserved_range() -> None:
    assert par_slots(12) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17]


def test_qif_files(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Routines, parameter order (eta is PAR(4), as the gallery's ICP=4), c.ivp constants."""
    src, civp = _write_qif(out_dir, monkeypatch)
    assert sorted(p.name for p in out_dir.iterdir()) == ["c.ivp", "qif.f90"]
    for routine in ("func(ndim, u, icp, par, ijac, f, dfdu, dfdp)", "stpnt(ndim, u, par, t)",
                    "bcnd", "icnd", "fopt", "pvls", "qif_rhs(t, y, dy,"):
        assert f"subroutine {routine}" in src
    assert "call qif_rhs(par(14), u, f, par(1), par(2), par(3), par(4), par(5))" in src
    assert "par(4) = -5.0d0  ! eta" in src and "u(1) = 0.01d0  ! r" in src
    assert "!   PAR(4) = eta  (p/qif_op/eta)" in src
    consts = dict(line.split(" = ", 1) for line in civp.splitlines()[1:])
    assert consts["parnames"] == "{1: 'w_r_in_r', 2: 'Delta', 3: 'tau', 4: 'eta', 5: 'I_ext'}"
    assert consts["unames"] == "{1: 'r', 2: 'v'}"
    assert (consts["NDIM"], consts["NPAR"], consts["IPS"], consts["ICP"]) == \
        ("2", "5", "-2", "[14]")
    assert max(len(line) for line in src.splitlines()) <= 132  # fits AUTO's compile flags


def test_files_are_not_overwritten_unless_ours(out_dir: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (out_dir / "c.ivp").write_text("NDIM = 7\n")
    with pytest.raises(FileExistsError, match="c.ivp"):
        _write_qif(out_dir, monkeypatch)
    (out_dir / "c.ivp").unlink()
    _write_qif(out_dir, monkeypatch)
    _write_qif(out_dir, monkeypatch)  # regenerating our own files is fine


def test_delayed_systems_are_refused(out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(out_dir)
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    c.edges = [(s, t, tpl, {**a, "delay": 0.5}) for s, t, tpl, a in c.edges]
    with pytest.raises(ValueError, match="delays"):
        c.get_run_func(func_name="f", file_name="qd", auto=True, backend="fortran",
                       vectorize=False)
    assert not list(out_dir.iterdir())


@needs_gfortran
@pytest.mark.skipif(not HAVE_AUTO, reason="AUTO-07p not installed (apt-get install auto-07p)")
@pytest.mark.skipif(not HAVE_PYCOBI, reason="pycobi not installed (pip install --no-deps "
                    "pycobi: its requirement pyrates>=1.2.2 would replace this repository's "
                    "pyrates)")
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
