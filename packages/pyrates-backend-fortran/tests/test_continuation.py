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
def test_hopf_normal_form_hopf_and_cycles() -> None:
    """Hopf normal form (oscillators.hopf, bifurcation parameter a): Hopf at a = 0; periodic
    branch with amplitude sqrt(a), period 2 pi / omega."""
    model = AutoModel(CircuitTemplate.from_yaml("model_templates.oscillators.hopf.hopf"))
    try:
        model.steady_state(params={"a": -1.0, "omega": 1.0})
        eq = model.equilibrium("a", bounds=(-1.0, 1.0))
        hb = eq.point("HB1")
        assert hb["a"] == pytest.approx(0.0, abs=1e-6)
        before = eq.points[eq.points["a"] < -0.01]
        after = eq.points[eq.points["a"] > 0.01]
        assert before["stable"].all() and not after["stable"].any()
        lc = model.periodic(eq, "HB1", bounds=(-1.0, 1.0))
        pts = lc.points[lc.points["a"] > 0.05]
        assert len(pts) > 5 and pts["stable"].all()
        assert np.max(np.abs(pts["L2-NORM"] - np.sqrt(pts["a"]))) < 1e-6
        assert np.max(np.abs(pts["MAX x"] - np.sqrt(pts["a"]))) < 1e-3
        assert np.allclose(pts["PERIOD"], 2 * np.pi, atol=1e-6)
        two = model.two_parameter(eq, "HB1", "omega", bounds=(0.2, 3.0))
        assert two.points["omega"].min() < 0.3 and two.points["omega"].max() > 2.9
        assert np.max(np.abs(two.points["a"])) < 1e-6
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


def _growth_rate(model, state: np.ndarray, u: float) -> float:
    """Brute force: simulate a tiny perturbation of the equilibrium, fit the log envelope."""
    from pyrates_backend_fortran import FortranBackend
    from pyrates_core.backend import CodegenOptions, SimulationRequest

    be = FortranBackend()
    sim = be.load(be.generate(model.system, CodegenOptions()), model.folder)
    k = model.table.ir_par[model.par("u")]
    y0 = state + 1e-6 * np.sin(np.arange(state.size) + 1.0)
    res = be.integrate(sim, SimulationRequest(
        3.0, 1e-4, solver="rk4", initial_state=y0, param_values={k[0]: u},
        outputs={"v": (model.system.states[0].name, np.array([0]))}, sampling_step_size=1e-3))
    dev = np.abs(res.outputs["v"][:, 0] - state[0])
    windows = dev[1000:].reshape(-1, 250).max(axis=1)  # envelope over 0.25 s windows
    return float(np.polyfit(np.arange(windows.size) * 0.25, np.log(windows), 1)[0])


def _equilibrium(model, branch_points, u: float) -> np.ndarray:
    """The full equilibrium state at ``u``: AUTO's branch file lists only the first states,
    so solve f(y) = 0 (the compiled vector field) from the interpolated ones."""
    from scipy.optimize import fsolve

    from pyrates_backend_fortran import FortranBackend
    from pyrates_core.backend import CodegenOptions

    be = FortranBackend()
    sim = be.load(be.generate(model.system, CodegenOptions()), model.folder)
    guess = np.zeros(model.system.n_state)
    for k, name in model.table.u.items():
        if name in branch_points.columns:
            guess[k - 1] = np.interp(u, branch_points["u"], branch_points[name])
    p = sim.args[0].copy()
    ir, i = model.table.ir_par[model.par("u")]
    slot = next(sl for sl in sim.handle.layout.params if sl.name == ir)
    p[slot.offset + i] = u
    root, info, ok, msg = fsolve(lambda y: sim.func(0.0, y, p, *sim.args[1:]), guess,
                                 full_output=True, xtol=1e-13)
    assert ok == 1, msg
    return root


@needs_auto
def test_jansen_rit_hopf_points_vs_simulation() -> None:
    """JRC in its input u: folds and Hopf points (Grimbert & Faugeras 2006: Hopf at about
    89.8 and 315.7 Hz); the Hopf point at 315.7 agrees with the zero of the growth rate of
    perturbations in simulations on a grid of u values."""
    model = AutoModel(CircuitTemplate.from_yaml(
        "model_templates.neural_mass_models.jansenrit.JRC"))
    try:
        model.steady_state(params={"u": 50.0}, t_max=10.0, step_size=1e-4)
        eq = model.equilibrium("u", bounds=(-100.0, 400.0), ds=1e-2, ds_max=0.5,
                               max_steps=20000)
        special = eq.special
        hopf = sorted(special[special["type"] == "HB"]["u"])
        folds = sorted(special[special["type"] == "LP"]["u"])
        assert len(hopf) == 3 and len(folds) == 2
        assert hopf[1] == pytest.approx(89.83, abs=0.05)
        assert hopf[2] == pytest.approx(315.70, abs=0.05)
        assert folds[1] == pytest.approx(113.59, abs=0.05)
        upper = eq.points[eq.points["u"].between(250.0, 380.0) &
                          (eq.points["pc/rpo_e_in/v"] > 0.02)].sort_values("u")
        grid = np.array([305.0, 311.0, 320.0, 326.0])
        rates = [_growth_rate(model, _equilibrium(model, upper, u), u) for u in grid]
        assert rates[0] > 0 and rates[-1] < 0  # growth below the Hopf point, decay above
        zero = float(np.interp(0.0, -np.array(rates), grid))
        assert zero == pytest.approx(hopf[2], abs=0.5)  # 315.60 vs 315.70
    finally:
        model.close()


@needs_auto
def test_concurrent_continuations_do_not_collide() -> None:
    """Two models continued at the same time in threads, each in its own folder: each finds
    the folds of its own coupling J."""
    from concurrent.futures import ThreadPoolExecutor

    def folds_for(J: float) -> list[float]:
        c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif")
        model = AutoModel(c)
        try:
            model.start_par[model.par("w_r_in_r")] = J
            model.steady_state(params={"eta": -10.0, "w_r_in_r": J})
            branch = model.equilibrium("eta", bounds=(-12.0, 0.0))
            return sorted(branch.special[branch.special["type"] == "LP"]["eta"])
        finally:
            model.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(folds_for, [15.0, 18.0]))
    assert results[0] == pytest.approx(qif_folds(J=15.0), abs=1e-4)
    assert results[1] == pytest.approx(qif_folds(J=18.0), abs=1e-4)


def test_jacobian_matches_finite_differences(tmp_path) -> None:
    """The symbolic DFDU/DFDP of the AUTO files equal central differences of the compiled
    Fortran vector field (JRC: sigmoids, edges between populations)."""
    import sympy as sp

    from pyrates_backend_fortran import FortranBackend
    from pyrates_backend_fortran.auto import generate_auto
    from pyrates_backend_fortran.jacobian import scalar_jacobian
    from pyrates_core.backend import CodegenOptions
    from pyrates_core.compile import compile_network

    c = CircuitTemplate.from_yaml("model_templates.neural_mass_models.jansenrit.JRC")
    system = compile_network(c.network(), vectorize=False)
    _, files, table = generate_auto(system, "jrc")
    assert table.jacobian and "JAC = 1" in files["c.ivp"]
    syms = {k: sp.Symbol(ir) for k, (ir, _) in table.ir_par.items()}
    dfdu, dfdp = scalar_jacobian(system, syms)
    be = FortranBackend()
    model = be.load(be.generate(system, CodegenOptions()), tmp_path)
    rng = np.random.default_rng(0)
    y = rng.normal(0.0, 0.005, system.n_state)
    values = {s.name: float(y[s.start]) for s in system.states}
    values.update({ir: float(np.ravel(system.params[ir].value)[i])
                   for ir, i in table.ir_par.values()})
    f = lambda yy: np.asarray(model.func(0.0, yy, *model.args))  # noqa: E731
    jac = np.zeros((system.n_state, system.n_state))
    for (i, j), e in dfdu.items():
        jac[i - 1, j - 1] = float(e.subs({sp.Symbol(k): v for k, v in values.items()}))
    for j in range(system.n_state):
        h = 1e-7
        step = np.zeros(system.n_state)
        step[j] = h
        fd = (f(y + step) - f(y - step)) / (2 * h)
        assert np.allclose(jac[:, j], fd, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(fd).max()))
    u_slot = next(k for k, (ir, _) in table.ir_par.items() if ir == "u")
    dfdu_u = {i: float(e.subs({sp.Symbol(k): v for k, v in values.items()}))
              for (i, k), e in dfdp.items() if k == u_slot}
    assert dfdu_u and all(np.isfinite(list(dfdu_u.values())))


@needs_auto
def test_continuation_with_and_without_jacobian_agree(qif_branch) -> None:
    model, _, branch = qif_branch
    assert model.table.jacobian
    fd = model.equilibrium("eta", bounds=(-12.0, 0.0), JAC=0)
    a = sorted(branch.special[branch.special["type"] == "LP"]["eta"])
    b = sorted(fd.special[fd.special["type"] == "LP"]["eta"])
    assert a == pytest.approx(b, abs=1e-6)
