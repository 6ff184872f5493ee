"""AUTO-07p continuation: QIF folds, Stuart-Landau Hopf and limit cycles, Jansen-Rit Hopf."""

from __future__ import annotations

import numpy as np
import pytest
from fortran_testlib import needs_gfortran
from scipy.optimize import brentq

from pyrates_frontend import CircuitTemplate

pytestmark = needs_gfortran

try:
    from pyrates_backend_fortran.continuation import AutoModel, find_auto, plot_bifurcation

    find_auto()
    HAVE_AUTO = True
except Exception:  # noqa: BLE001 - any failure means: no usable AUTO-07p
    HAVE_AUTO = False
needs_auto = pytest.mark.skipif(not HAVE_AUTO, reason="AUTO-07p not installed "
                                "(apt-get install auto-07p)")


def qif_folds(delta: float = 1.0, J: float = 15.0) -> list[float]:
    """Analytic folds of the QIF mean field (tau = 1): steady states satisfy v = -delta/(2 pi r)
    and eta(r) = pi^2 r^2 - J r - delta^2/(4 pi^2 r^2); folds where d eta/dr = 0."""
    def deta(r: float) -> float:
        return 2 * np.pi**2 * r - J + delta**2 / (2 * np.pi**2 * r**3)

    def eta(r: float) -> float:
        return np.pi**2 * r**2 - J * r - delta**2 / (4 * np.pi**2 * r**2)

    grid = np.linspace(0.01, 2.0, 2000)
    vals = [deta(r) for r in grid]
    roots = [brentq(deta, grid[i], grid[i + 1]) for i in range(len(grid) - 1)
             if vals[i] * vals[i + 1] < 0]
    return sorted(eta(r) for r in roots)


def test_analytic_folds_match_the_brief() -> None:
    assert qif_folds() == pytest.approx([-5.7435, -3.1361], abs=1e-4)


@pytest.fixture(scope="module")
def qif_branch():
    model = AutoModel(CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif"))
    state = model.steady_state(params={"eta": -10.0})
    branch = model.equilibrium("eta", bounds=(-12.0, 0.0))
    yield model, state, branch
    model.close()


@needs_auto
def test_qif_folds(qif_branch) -> None:
    """Both folds in eta to 1e-4 of the analytic values; stability flips at each."""
    model, state, branch = qif_branch
    assert model.par("eta") == 4 and model.table.par[4] == "eta"
    r = state["r"]  # the simulated steady state solves the steady-state equations
    assert np.pi**2 * r**2 - 15.0 * r - 1 / (4 * np.pi**2 * r**2) == pytest.approx(-10.0, abs=1e-6)
    assert state["v"] == pytest.approx(-1 / (2 * np.pi * r), rel=1e-6)
    folds = branch.special[branch.special["type"] == "LP"]
    assert sorted(folds["eta"]) == pytest.approx(qif_folds(), abs=1e-4)
    assert list(branch.special["name"]) == ["LP1", "LP2"]
    pts = branch.points
    low = pts[(pts["eta"] < -6.5) & (pts["r"] < 0.1)]
    assert low["stable"].all() and len(low) > 5
    middle = pts[(pts["eta"] > -5.5) & (pts["eta"] < -3.5) & (pts["r"] > 0.2) & (pts["r"] < 0.6)]
    assert not middle["stable"].any() and len(middle) > 3


def test_plot(qif_branch, tmp_path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    _, _, branch = qif_branch
    ax = plot_bifurcation(branch, x="eta", y="r")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["LP1", "LP2"]
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())
    with pytest.raises(KeyError, match="no column"):
        plot_bifurcation(branch, x="eta", y="nonexistent")


@needs_auto
def test_stuart_landau_hopf_and_cycles() -> None:
    """Hopf at mu = 0; periodic branch with amplitude sqrt(mu), period 2 pi / omega."""
    model = AutoModel(CircuitTemplate.from_yaml("model_templates.oscillators.stuartlandau.sl"))
    try:
        model.steady_state(params={"mu": -1.0})
        eq = model.equilibrium("mu", bounds=(-1.0, 1.0))
        hb = eq.point("HB1")
        assert hb["mu"] == pytest.approx(0.0, abs=1e-6)
        before = eq.points[eq.points["mu"] < -0.01]
        after = eq.points[eq.points["mu"] > 0.01]
        assert before["stable"].all() and not after["stable"].any()
        lc = model.periodic(eq, "HB1", bounds=(-1.0, 1.0))
        pts = lc.points[lc.points["mu"] > 0.05]
        assert len(pts) > 5 and pts["stable"].all()
        assert np.max(np.abs(pts["L2-NORM"] - np.sqrt(pts["mu"]))) < 1e-6
        assert np.max(np.abs(pts["MAX x"] - np.sqrt(pts["mu"]))) < 1e-3
        assert np.allclose(pts["PERIOD"], 2 * np.pi, atol=1e-6)
        two = model.two_parameter(eq, "HB1", "omega", bounds=(0.2, 3.0))
        assert two.points["omega"].min() < 0.3 and two.points["omega"].max() > 2.9
        assert np.max(np.abs(two.points["mu"])) < 1e-6
        with pytest.raises(KeyError, match="no point 'LP1'"):
            eq.point("LP1")
    finally:
        model.close()


@needs_auto
def test_two_parameter_fold_curve(qif_branch) -> None:
    """The QIF folds continued in (eta, J) match the analytic folds at other J."""
    model, _, branch = qif_branch
    curve = model.two_parameter(branch, "LP1", "w_r_in_r", bounds=(10.0, 20.0),
                                bounds1=(-12.0, 0.0))
    for J in (12.0, 18.0):
        near = curve.points.iloc[(curve.points["w_r_in_r"] - J).abs().argsort()[:1]]
        assert float(near["w_r_in_r"].iloc[0]) == pytest.approx(J, abs=0.05)
    pts = curve.points
    # every point of the curve is a fold: compare with the analytic fold of its J
    for _, row in pts.sample(n=min(5, len(pts)), random_state=0).iterrows():
        folds = qif_folds(J=float(row["w_r_in_r"]))
        assert min(abs(f - row["eta"]) for f in folds) < 1e-4


def test_auto_dirs_are_private_and_removed() -> None:
    if not HAVE_AUTO:
        pytest.skip("AUTO-07p not installed (apt-get install auto-07p)")
    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
    a, b = AutoModel(c), AutoModel(c)
    assert a.folder != b.folder and a.folder.exists()
    a.close()
    assert not a.folder.exists() and b.folder.exists()
    b.close()
