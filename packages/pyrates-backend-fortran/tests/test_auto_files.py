"""get_run_func(..., auto=True, backend='fortran') writes the AUTO-07p files of PyRates 1.x,
and the original's pycobi workflow runs on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyrates_backend_fortran.auto import par_slots
from pyrates_frontend import CircuitTemplate

HAVE_AUTO = Path("/usr/lib/auto-07p/lib").is_dir() or bool(
    __import__("os").environ.get("AUTO_DIR"))


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


