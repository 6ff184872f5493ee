"""The public backend-neutral layer: runtime helpers, lowering of delays, tableaus."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from pyrates_core import lowering, runtime, testing
from pyrates_core.backend import SimulationRequest, SimulationResult
from pyrates_core.errors import DivergenceError, SolverError, VariableNotFoundError
from pyrates_core.functions import ArraySum, Concatenate, Dot, EdgeSum, Index, Past, Slice
from pyrates_core.system import Assignment, ParameterSpec, StateSpec, SystemIR
from pyrates_core.tableaus import TABLEAUS, tableau


def test_sampling_rows_follow_the_1x_convention() -> None:
    plan = runtime.sampling(SimulationRequest(simulation_time=1.0, step_size=0.01,
                                              sampling_step_size=0.1))
    assert (plan.n_steps, plan.stride, plan.n_samples) == (100, 10, 10)
    np.testing.assert_allclose(plan.times, np.arange(10) * 0.1)
    assert plan.records_at(0) and plan.records_at(90) and not plan.records_at(95)
    assert not plan.records_at(100) and plan.t_end == pytest.approx(1.0)
    with pytest.raises(SolverError, match="multiple"):
        runtime.sampling(SimulationRequest(simulation_time=1.0, step_size=0.01,
                                           sampling_step_size=0.015))


def test_recording_plan_columns_and_rows() -> None:
    case = testing.assignment_output()
    system = case.system
    plan = runtime.plan_recording(system, {"x": ("x", None), "a1": ("a", [1])})
    assert plan.wants_assignments and plan.n_cols == 3
    row = plan.row(np.array([2.0, 3.0]), [], lambda: [np.array([4.0, 9.0])])
    np.testing.assert_array_equal(row, [2.0, 3.0, 9.0])
    out = plan.split(np.stack([row, row]))
    assert out["x"].shape == (2, 2) and out["a1"][:, 0].tolist() == [9.0, 9.0]
    with pytest.raises(VariableNotFoundError, match="out of range"):
        runtime.plan_recording(system, {"x": ("x", [5])})


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_run_adaptive_takes_any_rhs_and_records_rows() -> None:
    """The scipy driver with a plain right-hand side: rows at 0, s, ...; final state at T."""
    plan = runtime.Sampling(n_steps=20, stride=2, n_samples=10, step_size=0.1)
    rows: dict[int, np.ndarray] = {}
    steps: list[float] = []
    y_end, stats = runtime.run_adaptive(lambda t, y: -y, np.array([1.0, 2.0]), plan, "RK45",
                                        {"rtol": 1e-10, "atol": 1e-12},
                                        lambda k, y: rows.__setitem__(k, y.copy()),
                                        lambda t, y, interp: steps.append(t))
    assert sorted(rows) == list(range(10)) and steps[-1] == pytest.approx(2.0)
    got = np.array([rows[k] for k in range(10)])
    np.testing.assert_allclose(got, np.exp(-plan.times)[:, None] * [1.0, 2.0], rtol=1e-8)
    np.testing.assert_allclose(y_end, np.exp(-2.0) * np.array([1.0, 2.0]), rtol=1e-8)
    assert stats["n_rhs_evals"] > 0
    with pytest.raises(SolverError, match="failed at t"):
        runtime.run_adaptive(lambda t, y: np.full_like(y, np.inf), np.ones(1), plan, "RK45",
                             {}, lambda k, y: None)
    system = testing.exponential_decay().system
    err = runtime.divergence_error(system, np.array([1.0, np.nan, 0.0]), 2.5)
    assert isinstance(err, DivergenceError) and "x" in str(err) and "t = 2.5" in str(err)
    with pytest.raises(SolverError, match="RK45"):
        runtime.run_adaptive(lambda t, y: y, np.ones(1), plan, "Euler", {}, lambda k, y: None)


@pytest.mark.parametrize("zero", [True, False])
def test_dense_history_pre_history(zero: bool) -> None:
    system = testing.exponential_decay().system
    y0 = system.initial_state()
    hist = runtime.DenseHistory(system, y0, {"a": np.array([5.0])}, zero=zero)
    hist.add(1.0, lambda t: y0 * (1 + t), {"a": np.array([7.0])})
    np.testing.assert_array_equal(hist.state_at(-0.5), 0 * y0 if zero else y0)
    np.testing.assert_array_equal(hist.state_at(0.0), y0)
    np.testing.assert_allclose(hist.value("x", 0.5), 1.5 * y0)
    np.testing.assert_allclose(hist.value("a", 0.5), [6.0])
    np.testing.assert_array_equal(hist.value("a", -1.0), [0.0] if zero else [5.0])


def test_run_batch_stacks_single_runs() -> None:
    seen = []

    def one(req: SimulationRequest) -> SimulationResult:
        seen.append(dict(req.param_values))
        k = float(req.param_values["k"])
        return SimulationResult(np.arange(3.0), {"x": np.full((3, 1), k)}, np.array([k]),
                                {"run_time": 1.0})

    req = SimulationRequest(simulation_time=1.0, step_size=0.1, param_values={"c": 2.0},
                            batch_params={"k": np.array([1.0, 2.0, 3.0])})
    res = runtime.run_batch(one, req)
    assert res.outputs["x"].shape == (3, 3, 1) and res.final_state.shape == (3, 1)
    assert res.outputs["x"][2, 0, 0] == 3.0 and res.stats["batch"] == 3
    assert all(s["c"] == 2.0 for s in seen) and res.stats["run_time"] == 3.0
    with pytest.raises(SolverError, match="same leading"):
        runtime.batch_size(SimulationRequest(1.0, 0.1, batch_params={
            "a": np.zeros(2), "b": np.zeros(3)}))


def test_batch_inputs_give_each_set_its_series() -> None:
    """batch_inputs: set b reads row b of every batch input on top of the shared inputs,
    together with row b of the batch parameters; sizes must agree."""
    def one(req: SimulationRequest) -> SimulationResult:
        assert not req.batch_inputs and not req.batch_params
        u, v = req.inputs["u"], req.inputs["v"]
        return SimulationResult(np.arange(2.0), {"x": u[:2] + v[:2]},
                                np.array([float(req.param_values["k"])]), {})

    series = np.arange(12.0).reshape(3, 4, 1)
    req = SimulationRequest(simulation_time=1.0, step_size=0.25, inputs={"v": np.ones((4, 1))},
                            batch_inputs={"u": series},
                            batch_params={"k": np.array([5.0, 6.0, 7.0])})
    assert runtime.batch_size(req) == 3
    member = runtime.batch_member(req, 2)
    np.testing.assert_array_equal(member.inputs["u"], series[2])
    assert float(member.param_values["k"]) == 7.0 and member.inputs["v"] is req.inputs["v"]
    res = runtime.run_batch(one, req)
    np.testing.assert_array_equal(res.outputs["x"], series[:, :2] + 1.0)
    np.testing.assert_array_equal(res.final_state[:, 0], [5.0, 6.0, 7.0])
    with pytest.raises(SolverError, match=r"batch_inputs\['u'\]: \(2, 4, 1\)"):
        runtime.batch_size(SimulationRequest(1.0, 0.1, batch_params={"k": np.zeros(3)},
                                             batch_inputs={"u": np.zeros((2, 4, 1))}))
    only_inputs = SimulationRequest(1.0, 0.25, inputs={"v": np.ones((4, 1))},
                                    param_values={"k": 1.0}, batch_inputs={"u": series})
    assert runtime.run_batch(one, only_inputs).outputs["x"].shape == (3, 2, 1)


def test_run_batch_in_threads_keeps_the_order() -> None:
    """workers > 1: the sets run in threads, come back in order, and equal the loop's."""
    import threading
    import time as _time

    names = set()

    def one(req: SimulationRequest) -> SimulationResult:
        k = float(req.param_values["k"])
        _time.sleep(0.02 * (5 - k))  # later sets finish first
        names.add(threading.current_thread().name)
        return SimulationResult(np.arange(2.0), {"x": np.full((2, 1), k)}, np.array([k]), {})

    req = SimulationRequest(simulation_time=1.0, step_size=0.1,
                            batch_params={"k": np.arange(5.0)})
    threaded = runtime.run_batch(one, req, workers=3)
    np.testing.assert_array_equal(threaded.final_state[:, 0], np.arange(5.0))
    assert threaded.stats["batch_workers"] == 3 and threaded.stats["batch_mode"] == "threads"
    assert len(names) > 1
    serial = runtime.run_batch(one, req)
    np.testing.assert_array_equal(serial.outputs["x"], threaded.outputs["x"])
    with pytest.raises(ValueError, match="workers"):
        runtime.run_batch(one, req, workers=0)


@pytest.mark.parametrize("name", sorted(TABLEAUS))
def test_tableaus_are_consistent(name: str) -> None:
    """Row sums of a are c, weights sum to 1, and the order conditions up to the order hold."""
    tab = tableau(name)
    assert sum(tab.b) == 1
    for row, c in zip(tab.a, tab.c):
        assert sum(row, Fraction(0)) == c
    if tab.order >= 2:
        assert sum(b * c for b, c in zip(tab.b, tab.c)) == Fraction(1, 2)
    if tab.order >= 4:
        assert sum(b * c**3 for b, c in zip(tab.b, tab.c)) == Fraction(1, 4)
    assert tab.offsets == tuple(sorted(set(tab.c)))
    with pytest.raises(KeyError, match="euler"):
        tableau("leapfrog")


def _delayed_system(delays: list[float]) -> SystemIR:
    x, tau = sp.symbols("x tau")
    from pyrates_core.system import EdgeBundle

    n = len(delays)
    idx = np.arange(n, dtype=np.int64)
    bundle = EdgeBundle("b", "x", n, n, idx, idx[::-1].copy(), "w", np.array(delays))
    return SystemIR([StateSpec("x", 0, np.ones(n), [f"x{i}" for i in range(n)])],
                    [EdgeSum(x, 0) - Past(x, tau)],
                    {"w": ParameterSpec("w", np.arange(1.0, n + 1), role="weight"),
                     "tau": ParameterSpec("tau", np.asarray(0.3), role="delay")}, {}, [],
                    [bundle])


def test_delay_reads_keep_weights_and_delays_as_parameters() -> None:
    system = _delayed_system([0.0, 0.2, 0.25])
    reads = lowering.delay_reads(system)
    assert [r.bundle for r in reads] == [0, None] and reads[1].past is not None
    edges = lowering.read_entries(system, reads[0])
    assert edges.edge.tolist() == [1, 2] and edges.delay.tolist() == [0.2, 0.25]
    np.testing.assert_array_equal(lowering.entry_weights(system, reads[0], edges), [2.0, 3.0])
    overridden = lowering.entry_weights(system, reads[0], edges, {"w": np.array([0, 5, 7.0])})
    np.testing.assert_array_equal(overridden, [5.0, 7.0])
    past = lowering.read_entries(system, reads[1], {"tau": np.asarray(0.5)})
    assert past.delay.tolist() == [0.5] * 3 and past.edge.tolist() == [-1] * 3
    assert lowering.distinct_delays(system, reads)["x"].tolist() == [0.2, 0.25, 0.3]
    with pytest.raises(SolverError, match="shorter than the step"):
        lowering.check_fixed_step(system, reads[0], edges.delay, 0.21)


def test_read_params_digest_and_min_delay_follow_the_values() -> None:
    system = _delayed_system([0.0, 0.2, 0.25])
    reads = lowering.delay_reads(system)
    assert lowering.read_param_names(system, reads) == ["w", "tau"]
    names = lowering.read_param_names(system, reads)
    base = lowering.params_digest(system, names)
    assert lowering.params_digest(system, names, {"w": np.arange(1.0, 4)}) == base
    assert lowering.params_digest(system, names, {"w": np.array([1.0, 2, 4])}) != base
    assert lowering.params_digest(system, names, {"tau": np.asarray(0.3, np.float32)}) != base
    assert lowering.min_delay(system, reads) == pytest.approx(0.2)
    assert lowering.min_delay(system, reads, {"tau": np.asarray(0.1)}) == pytest.approx(0.1)
    assert lowering.min_delay(system, []) == np.inf


def test_activation_mask_switches_weights_on_in_place() -> None:
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    act = np.array([[0, 3], [1, 3]])
    mask = lowering.ActivationMask([w], [act])
    work = mask.work[0]
    np.testing.assert_array_equal(work, [[1.0, 0.0], [0.0, 0.0]])
    assert mask.steps.tolist() == [0, 1, 3]
    mask.advance(1)
    np.testing.assert_array_equal(work, [[1.0, 0.0], [3.0, 0.0]])
    mask.advance(5)
    assert mask.work[0] is work
    np.testing.assert_array_equal(work, w)


def test_run_fixed_segments_stops_and_reports_divergence() -> None:
    system = testing.assignment_output().system
    calls: list[tuple[int, int]] = []
    stops: list[int] = []

    def advance(n0: int, n1: int, y: np.ndarray) -> tuple[int, np.ndarray]:
        calls.append((n0, n1))
        return -1, y + (n1 - n0)

    y = runtime.run_fixed_segments(advance, np.zeros(2), 10, system, 0.1,
                                   stops=[0, 3, 7, 12], at_stop=stops.append)
    assert calls == [(0, 3), (3, 7), (7, 10)] and stops == [0, 3, 7]
    np.testing.assert_array_equal(y, [10.0, 10.0])
    with pytest.raises(DivergenceError, match="t = 0.4"):
        runtime.run_fixed_segments(lambda n0, n1, y: (4, y), np.zeros(2), 10, system, 0.1)
    with pytest.raises(DivergenceError, match="t = 1"):
        runtime.run_fixed_segments(lambda n0, n1, y: (-1, y * np.nan), np.zeros(2), 10,
                                   system, 0.1)


def test_scipy_options_split_the_method_and_name_bad_keys() -> None:
    assert runtime.scipy_options({"rtol": 1e-6}) == ("RK45", {"rtol": 1e-6})
    assert runtime.scipy_options({"method": "LSODA"}) == ("LSODA", {})
    with pytest.raises(SolverError, match=r"unknown solver_options \['tol'\].*accepted: atol"):
        runtime.scipy_options({"tol": 1.0})
    with pytest.raises(SolverError, match="unknown scipy method 'rk4'"):
        runtime.scipy_options({"method": "rk4"})
    assert runtime.progress_bar(False, 10) is None


@pytest.mark.parametrize("c", [0.0, 0.5, 1.0])
def test_stage_taps_interpolate_cubics_exactly(c: float) -> None:
    """Taps reproduce a cubic history exactly (a quadratic one below one step of lag);
    activation marks the first step reading t >= 0 (t > 0 inside a step)."""
    dt, n_sym = 0.1, 1
    delay = np.array([0.3, 0.25, 0.1, 0.37])
    entries = lowering.ReadEntries(np.arange(4), np.zeros(4, np.int64), delay, np.arange(4))
    length = lowering.window_length(delay, dt)
    taps = lowering.stage_taps(entries, dt, c, n_sym, length)
    n = 10  # current step; window row L-1-j holds x(t_n - j dt)
    cubic = delay / dt - c >= 1
    for deg3, keep in ((0.5, cubic), (0.0, np.ones(4, bool))):
        poly = lambda t, a=deg3: 1 + 2 * t - 3 * t**2 + a * t**3  # noqa: E731
        window = poly((n - (length - 1 - np.arange(length))) * dt)
        got = np.zeros(4)
        np.add.at(got, taps.out, taps.coef * window[taps.col])
        np.testing.assert_allclose(got[keep], poly((n + c) * dt - delay)[keep], atol=1e-12)
    act = {int(e): int(a) for e, a in zip(taps.entry, taps.activation)}
    for e, d in enumerate(delay):
        q = lambda step, d=d: (step + c) * dt - d  # noqa: E731
        first = next(s for s in range(20) if (q(s) >= -1e-12 if c == 0 else q(s) > 1e-12))
        assert act[e] == first, (e, c)


def test_infer_size() -> None:
    x, k, m, i = sp.symbols("x k m i")
    system = SystemIR([StateSpec("x", 0, np.ones(4), ["a"] * 4)], [0 * x],
                      {"k": ParameterSpec("k", np.asarray(2.0)),
                       "m": ParameterSpec("m", np.ones((3, 4))),
                       "i": ParameterSpec("i", np.array([0, 1]), role="index")}, {},
                      [Assignment("s", ArraySum(x), 1, ["s"])])
    size = lambda e: lowering.infer_size(e, system)  # noqa: E731
    assert size(k * x + 1) == 4 and size(ArraySum(x) * k) is None
    assert size(Dot(m, x)) == 3 and size(Index(x, i)) == 2 and size(Slice(x, 1, 3)) == 2
    assert size(Concatenate(x, k)) == 5 and size(sp.Symbol("s") + x) == 4
    from pyrates_core.errors import EquationError

    with pytest.raises(EquationError, match="mixed sizes"):
        size(x + Dot(m, x))
