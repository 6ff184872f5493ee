"""Edge delays as IR parameters: EdgeBundle.delay_param and runtime.edge_delays."""

import numpy as np
import pytest

from pyrates_core.compile import compile_network
from pyrates_core.errors import SolverError
from pyrates_core.lowering import check_fixed_step, delay_reads, read_entries
from pyrates_core.model import EdgeDef, NetworkDef, NodeDef, OperatorDef, parse_variable
from pyrates_core.runtime import edge_delays


def li_node() -> NodeDef:
    """r' = -r/tau + tanh(m_in)."""
    variables = {"r": "output(0.0)", "tau": 2.0, "m_in": "input(0.0)"}
    decl = {k: parse_variable(v, k) for k, v in variables.items()}
    return NodeDef({"li": OperatorDef("li", ["r' = -r/tau + tanh(m_in)"], decl)}, "li_node")


def ring(delays: list[float]) -> NetworkDef:
    """Ring n0 -> n1 -> ... -> n0 with the given delays (0: undelayed)."""
    n = len(delays)
    return NetworkDef({f"n{i}": li_node() for i in range(n)}, [
        EdgeDef(f"n{i}/li/r", f"n{(i + 1) % n}/li/m_in", weight=0.5 + 0.1 * i,
                delay=d or None) for i, d in enumerate(delays)])


def test_delayed_bundle_has_a_delay_parameter_equal_to_its_delays():
    system = compile_network(ring([0.3, 0.0, 0.2, 0.45]))
    (b,) = system.edges
    assert b.delay_param is not None
    p = system.params[b.delay_param]
    assert p.role == "delay"
    assert p.value.shape == (b.n_edges,)
    assert np.array_equal(p.value, b.delays)
    assert p.value is not b.delays  # the parameter is the run-time value, delays the default
    assert sorted(p.value[p.value > 0]) == [0.2, 0.3, 0.45]


def test_undelayed_bundle_has_no_delay_parameter():
    system = compile_network(ring([0.0, 0.0, 0.0]))
    assert all(b.delay_param is None for b in system.edges)
    assert not any(p.role == "delay" for p in system.params.values())


def test_edge_delays_reads_the_override_and_the_longest_delay_follows_the_parameter():
    system = compile_network(ring([0.3, 0.0, 0.2]))
    b = system.edges[0]
    assert np.array_equal(edge_delays(system, 0), b.delays)
    new = np.where(b.delays > 0, b.delays * 2.0, 0.0)
    assert np.array_equal(edge_delays(system, b, {b.delay_param: new}), new)
    read = delay_reads(system)[0]
    got = read_entries(system, read, {b.delay_param: new}).delay
    assert np.array_equal(np.sort(got), np.sort(new[new > 0]))
    system.params[b.delay_param].value = new
    assert system.delayed_symbols()[b.source] == pytest.approx(0.6)


def test_delay_overrides_that_change_the_structure_are_errors_naming_the_parameter():
    system = compile_network(ring([0.3, 0.0, 0.2]))
    b = system.edges[0]
    name = b.delay_param
    zero = np.where(b.delays > 0, 0.0, 0.0)
    with pytest.raises(SolverError, match=f"'{name}'.*positive delay"):
        edge_delays(system, b, {name: zero})
    moved = np.where(b.delays > 0, b.delays, 0.1)
    with pytest.raises(SolverError, match=f"'{name}'.*compiled without a delay"):
        edge_delays(system, b, {name: moved})
    short = np.where(b.delays > 0, 0.005, 0.0)
    with pytest.raises(SolverError, match=f"'{name}'.*shorter than the step size 0.01"):
        edge_delays(system, b, {name: short}, step_size=0.01)
    with pytest.raises(SolverError, match=f"'{name}'.*3 values"):
        edge_delays(system, b, {name: np.ones(2)})
    read = delay_reads(system)[0]
    e = read_entries(system, read, {name: short})
    with pytest.raises(SolverError, match=f"delay parameter '{name}'"):
        check_fixed_step(system, read, e.delay, 0.01)


def test_refuse_delay_overrides_names_the_parameter_and_passes_the_compiled_values():
    from pyrates_core.backend import SimulationRequest
    from pyrates_core.runtime import refuse_delay_overrides
    from pyrates_core.testing import delay_param_system

    system = delay_param_system()
    req = SimulationRequest(simulation_time=1.0, step_size=0.01)
    same = np.array(system.params["d"].value)
    refuse_delay_overrides(system, req, "octave-like")
    refuse_delay_overrides(
        system, SimulationRequest(1.0, 0.01, param_values={"d": same}), "octave-like")
    with pytest.raises(SolverError, match=r"param_values\['d'\].*'octave-like'.*delay_params"):
        refuse_delay_overrides(system, SimulationRequest(
            1.0, 0.01, param_values={"d": same * 2}), "octave-like")
    with pytest.raises(SolverError, match=r"batch_params\['d'\]"):
        refuse_delay_overrides(system, SimulationRequest(
            1.0, 0.01, batch_params={"d": np.stack([same, same * 2])}), "octave-like")
