"""Solver and option checking comes from the backend's specs only (no solver names in the
frontend), and YAML bases come from the template classes registered in ``building``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pyrates_core.backend import OptionSpec, SolverSpec
from pyrates_core.errors import SolverError, TemplateError
from pyrates_frontend import CircuitTemplate, EdgeTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.building import register_template_class, template_class
from pyrates_frontend.options import solver_spec, split_options


@dataclass
class _Backend:
    """The attributes of a backend that option checking reads."""

    name: str = "fake"
    solvers: frozenset[str] = frozenset({"fixed", "scipy"})
    solver_specs: tuple[SolverSpec, ...] = field(default_factory=lambda: (
        SolverSpec("fixed", adaptive=False),
        # a backend may call an adaptive solver 'scipy' or a fixed-step one, as it likes
        SolverSpec("scipy", adaptive=False, options=(OptionSpec("gain", (float,), 1.0),)),
        SolverSpec("external", adaptive=True, export_only=True),
    ))
    option_specs: tuple[OptionSpec, ...] = ()


def test_adaptivity_is_the_backends_not_guessed_from_the_name() -> None:
    be = _Backend()
    assert solver_spec(be, "scipy").adaptive is False
    assert solver_spec(be, "external", export=True).adaptive is True


def test_a_solver_without_spec_is_an_error_naming_it() -> None:
    be = _Backend(solver_specs=(SolverSpec("fixed", adaptive=False),))
    with pytest.raises(SolverError, match="solver 'scipy'.*no SolverSpec"):
        solver_spec(be, "scipy")


def test_export_only_solvers_only_for_export() -> None:
    be = _Backend()
    with pytest.raises(SolverError, match="'external' is export-only.*get_run_func"):
        solver_spec(be, "external")
    with pytest.raises(SolverError, match="choose one of: fixed, scipy"):
        solver_spec(be, "nope")
    with pytest.raises(SolverError, match="choose one of: fixed, scipy, external"):
        solver_spec(be, "nope", export=True)


def test_solver_options_come_from_the_spec() -> None:
    be = _Backend()
    solver_opts, backend_opts = split_options(be, "scipy", {"gain": 2.0}, (), "run()")
    assert solver_opts == {"gain": 2.0} and backend_opts == {}
    with pytest.raises(TypeError, match="option 'gain' applies to solver"):
        split_options(be, "fixed", {"gain": 2.0}, (), "run()")
    # rtol is a scipy option name, but not one this backend declares: refused
    with pytest.raises(TypeError, match="unexpected keyword argument 'rtol'"):
        split_options(be, "scipy", {"rtol": 1e-6}, (), "run()")


def test_yaml_bases_are_the_registered_classes() -> None:
    assert template_class("OperatorTemplate") is OperatorTemplate
    assert template_class("NodeTemplate") is NodeTemplate
    assert template_class("EdgeTemplate") is EdgeTemplate
    assert template_class("CircuitTemplate") is CircuitTemplate
    with pytest.raises(TemplateError, match="no template class is registered for 'Nope'"):
        template_class("Nope")

    class Bad:
        kind = "Nope"

    with pytest.raises(TemplateError, match="Bad.kind is 'Nope'"):
        register_template_class(Bad)
