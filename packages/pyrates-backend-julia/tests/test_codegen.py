"""Generated Julia source: parses (tree-sitter-julia), structure, equations read back."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from julia_testlib import JRC, QIF, SYSTEMS, delayed_jrc_pair, parse_errors, template_system
from sympy.parsing.sympy_parser import parse_expr

from pyrates_backend_julia import JuliaBackend
from pyrates_backend_julia.runner import find_julia, job_text
from pyrates_core.backend import CodegenOptions, SimulationRequest
from pyrates_core.errors import EquationError, SolverError
from pyrates_core.functions import Past
from pyrates_core.system import StateSpec, SystemIR
from pyrates_frontend import CircuitTemplate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("name", sorted(SYSTEMS))
def test_generated_files_parse(name: str) -> None:
    """Every generated file of every model parses without syntax errors."""
    code = JuliaBackend().generate(SYSTEMS[name](), CodegenOptions(func_name="model"))
    for file_name, text in {"model.jl": code.source, **code.files}.items():
        assert parse_errors(text) == [], file_name


def test_parser_finds_errors() -> None:
    """The parse check is not vacuous: broken Julia is reported."""
    assert parse_errors("function f(x)\n    x = 1\n")  # no 'end'
    assert parse_errors("du[1:2] .= @. -x +\n")
    assert parse_errors("y = (a = 1, b = [1.0, 2.0]\n")


def test_job_file_parses() -> None:
    """The job file the backend writes for the driver is valid Julia."""
    text = job_text(1.0, 1e-3, {"solver": "rk4", "history": "zero", "record": True,
                                "params": {"k": np.asarray(0.5), "w": np.ones(3)},
                                "u0": np.zeros(4)}, {"u_series": "input_u_series.csv"})
    assert parse_errors(text) == []
    assert 'readdlm(joinpath(@__DIR__, "input_u_series.csv")' in text


def _equation_lines(source: str, func: str) -> list[tuple[int, int, str]]:
    body = source[source.index(f"function {func}!("):]
    body = body[:body.index("\nend\n")]
    return [(int(a), int(b), code) for a, b, code in
            re.findall(r"^    du\[(\d+):(\d+)\] \.= @\. (.*)$", body, flags=re.M)]


def _read_back(code: str, names: dict[str, sp.Symbol]) -> sp.Expr:
    """A broadcast Julia expression as a sympy expression."""
    text = code.replace(".^", "**").replace(".*", "*").replace("./", "/").replace("p.", "p_")
    text = text.replace("^", "**")
    return parse_expr(text, local_dict=dict(names))


@pytest.mark.parametrize("path", [JRC, QIF])
def test_equations_read_back(path: str) -> None:
    """One in-place line per state, over its slice, equal to the IR's derivative."""
    system = template_system(path)
    code = JuliaBackend().generate(system, CodegenOptions(func_name="f"))
    layout = code.metadata["layout"]
    lines = _equation_lines(code.source, "f")
    assert [(a, b) for a, b, _ in lines] == [(s.start + 1, s.start + s.size)
                                            for s in system.states]
    names = {loc: sp.Symbol(ir) for ir, loc in layout.locals.items()}
    names.update({f"p_{f}": sp.Symbol(ir) for ir, f in layout.fields.items()})
    names["t"] = system.time
    for (_, _, text), expr in zip(lines, system.derivatives):
        assert sp.simplify(_read_back(text, names) - expr) == 0, text
    body = code.source[code.source.index("function f!("):]
    checked = 0
    for a in system.assignments:  # algebraic variables printed without temporaries
        found = re.search(rf"^    {layout.locals[a.name]} = @\. (.*)$", body, flags=re.M)
        if found and not re.search(r"\b_t\d+", found.group(1)):
            assert sp.simplify(_read_back(found.group(1), names) - a.expr) == 0, a.name
            checked += 1
    assert checked >= (4 if path == JRC else 0)


def test_parameter_order_and_arguments() -> None:
    """Parameters appear in the NamedTuple in the IR's order, which is arg_names' order."""
    system = template_system(JRC)
    code = JuliaBackend().generate(system, CodegenOptions(func_name="jrc"))
    fields = re.findall(r"^        (\w+) = ", code.source, flags=re.M)
    layout = code.metadata["layout"]
    expected = [layout.fields[n] for n in system.params]
    assert fields[:len(expected)] == expected
    assert code.arg_names == list(system.params)
    assert "function jrc!(du, u, p, t)" in code.source
    assert "ODEProblem(jrc!, y0, (0.0, T), p)" in code.files["jrc_run.jl"]
    assert "MethodOfSteps" not in code.files["jrc_run.jl"]


def test_delayed_model_uses_history_lookups() -> None:
    """Delayed edges and past() read h(p, t - tau); the driver builds a DDEProblem."""
    system = delayed_jrc_pair()
    code = JuliaBackend().generate(system, CodegenOptions(func_name="pair"))
    src, driver = code.source, code.files["pair_run.jl"]
    assert "function pair!(du, u, h, p, t)" in src
    n_delayed = sum(b.delayed for b in system.edges)
    calls = re.findall(r"pyrates_delayed\(h, p, t, p\.(\w+)\)", src.split("function pair!")[1]
                       .split("\nend\n")[0])
    assert len(calls) == n_delayed == 1
    assert "d = [0.001, 0.0025]" in src or "d = [0.0025, 0.001]" in src
    assert re.search(r"pyrates_table\(src\[\.!m\], d\[\.!m\], \(h, p, tt\) -> "
                     r"pair_source_m_pro_pc\(h\(p, tt\), p, tt\)\)", src)
    source = src[src.index("function pair_source_m_pro_pc(u, p, t)"):]
    source = source[:source.index("\nend\n")]
    assert "pyrates_delayed" not in source and "m_pro_pc = @. " in source
    assert "tt = t - lag" in src and "tab.getter(h, p, tt)" in src
    assert "DDEProblem(pair!, y0, pair_history, (0.0, T), p; constant_lags = p.pyrates_lags)" \
        in driver
    assert "solve(prob, MethodOfSteps(alg); saveat = saveat, opts...)" in driver


def test_delayed_variable_with_delayed_inputs_is_refused() -> None:
    """A delayed algebraic variable must be computable from the delayed state alone."""
    x, a, tau = sp.symbols("x a tau")
    from pyrates_core.system import Assignment, ParameterSpec

    system = SystemIR([StateSpec("x", 0, np.ones(1), ["n/op/x"])], [-Past(a, tau)],
                      {"tau": ParameterSpec("tau", np.asarray(1.0))}, {},
                      [Assignment("a", x + Past(x, tau), 1, ["n/op/a"])])
    with pytest.raises(EquationError, match="'a' .*depends on delayed values itself"):
        JuliaBackend().generate(system, CodegenOptions())


def test_past_reads_state_history() -> None:
    """past(x, tau) of a state: a table with the delay expression and a state getter."""
    x, tau = sp.symbols("x tau")
    from pyrates_core.system import ParameterSpec

    system = SystemIR([StateSpec("x", 0, np.ones(2), ["n/op/x[0]", "n/op/x[1]"])],
                      [-Past(x, 2 * tau)], {"tau": ParameterSpec("tau", np.asarray(0.5))}, {},
                      [])
    code = JuliaBackend().generate(system, CodegenOptions(func_name="f"))
    assert ("past_x_tab = pyrates_table(collect(1:2), (@. 2 * p.tau) .* ones(2), "
            "(h, p, tt) -> h(p, tt)[1:2])") in code.source
    assert "du[1:2] .= @. -_t1" in code.source


def test_unknown_function_is_an_error() -> None:
    """The strict printer names the function it cannot print."""
    x = sp.Symbol("x")
    system = SystemIR([StateSpec("x", 0, np.ones(1), ["n/op/x"])], [sp.Function("foo")(x)],
                      {}, {}, [])
    with pytest.raises(EquationError, match="cannot print the function 'foo'"):
        JuliaBackend().generate(system, CodegenOptions())


@pytest.mark.skipif(find_julia() is not None, reason="Julia is installed here")
def test_without_julia_files_are_written_and_running_says_why(tmp_path: Path) -> None:
    """No Julia: no 'execute' capability, get_run_func writes the files, running explains."""
    backend = JuliaBackend()
    assert "execute" not in backend.capabilities
    before = sorted(os.listdir("."))
    target = tmp_path / "out" / "qif_rhs"
    func, args, names, _ = CircuitTemplate.from_yaml(QIF).get_run_func(
        "qif_rhs", file_name=str(target), backend="julia")
    assert sorted(os.listdir(target.parent)) == ["qif_rhs.jl", "qif_rhs_run.jl"]
    assert parse_errors((target.parent / "qif_rhs.jl").read_text()) == []
    assert "p/qif_op/eta" in names and len(args) == len(names)
    with pytest.raises(SolverError, match="needs Julia"):
        func(0.0, np.zeros(2), *args)
    model = backend.load(backend.generate(template_system(QIF), CodegenOptions()), tmp_path)
    with pytest.raises(SolverError, match="none was found .*PYTHON_JULIAPKG_EXE"):
        backend.integrate(model, SimulationRequest(1.0, 1e-3, solver="rk4"))
    with pytest.raises(SolverError, match="needs a Julia installation"):
        CircuitTemplate.from_yaml(QIF).run(1.0, 1e-3, backend="julia", solver="julia_ode")
    assert sorted(os.listdir(".")) == before


def test_request_errors(tmp_path: Path) -> None:
    """Bad requests are refused before Julia would start."""
    backend = JuliaBackend()
    model = backend.load(backend.generate(template_system(QIF), CodegenOptions()), tmp_path)
    with pytest.raises(SolverError, match="accepted: none"):
        backend.integrate(model, SimulationRequest(1.0, 1e-3, solver_options={"rtol": 1e-3}))
    with pytest.raises(SolverError, match="not supported by the julia backend"):
        backend.integrate(model, SimulationRequest(1.0, 1e-3, solver="scipy"))
    with pytest.raises(SolverError, match="not a history mode"):
        backend.integrate(model, SimulationRequest(1.0, 1e-3, history="none"))
    with pytest.raises(TypeError, match="option 'rtol' of solver 'julia_ode'"):
        backend.integrate(model, SimulationRequest(1.0, 1e-3, solver="julia_ode",
                                                   solver_options={"rtol": "1e-3"}))
    with pytest.raises(ValueError, match="unknown option 'numba' for the julia backend"):
        backend.generate(template_system(QIF), CodegenOptions(extra={"numba": True}))


def test_file_name_other_than_the_function(tmp_path: Path) -> None:
    """A file_name whose stem differs from func_name: the driver includes the right file."""
    CircuitTemplate.from_yaml(QIF).get_run_func("qif", file_name=str(tmp_path / "other"),
                                                backend="julia")
    assert sorted(os.listdir(tmp_path)) == ["other.jl", "other_run.jl"]
    driver = (tmp_path / "other_run.jl").read_text()
    assert 'include(joinpath(@__DIR__, "other.jl"))' in driver
    assert 'include("other_run.jl")' in driver and "function qif_run(" in driver
    assert parse_errors(driver) == []


def test_new_ir_functions_printed() -> None:
    """maxi/mini of one vector, matvec, roll, index_range and randn (1.x meaning, as numpy's
    max, min, dot, roll, x[a:b] and randn) become Julia calls of the same meaning."""
    from pyrates_core.testing import custom_functions

    code = JuliaBackend().generate(custom_functions().system, CodegenOptions(func_name="f"))
    src = code.source
    for call in ("maximum(", "minimum(", "pyrates_dot(", "circshift(", "randn()"):
        assert call in src, call
    assert re.search(r"\[\(1 \+ 1\):3\]", src)  # Slice(x, 1, 3): 1-based x[2:3]
    assert "pyrates_dot(a::AbstractMatrix, b) = a * b" in src
    assert parse_errors(src) == []
