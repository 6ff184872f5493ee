"""Helpers of the julia backend tests: tree-sitter parsing and the reference systems."""

from __future__ import annotations

import pytest

from pyrates_backend_julia.runner import find_julia
from pyrates_core import testing
from pyrates_core.compile import compile_network
from pyrates_core.system import SystemIR

needs_julia = pytest.mark.skipif(
    find_julia() is None,
    reason="no Julia installation (PYTHON_JULIAPKG_EXE or 'julia' on the PATH): the generated "
           "code is not executed on this machine")

JRC = "model_templates.neural_mass_models.jansenrit.JRC"
QIF = "model_templates.neural_mass_models.qif.qif"


def parse_errors(text: str) -> list[str]:
    """Syntax errors tree-sitter-julia finds in ``text`` (empty list: it parses)."""
    import tree_sitter_julia
    from tree_sitter import Language, Parser

    parser = Parser(Language(tree_sitter_julia.language()))
    tree = parser.parse(text.encode())
    errors: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            line = node.start_point[0]
            errors.append(f"line {line + 1}: {text.splitlines()[line]!r}")
        stack.extend(node.children)
    return errors


def delayed_jrc_pair() -> SystemIR:
    """Two JRC columns coupled through delayed edges from their sigmoid outputs."""
    from pyrates_frontend import CircuitTemplate

    jrc = CircuitTemplate.from_yaml(JRC)
    circuit = CircuitTemplate("pair", circuits={"a": jrc, "b": jrc}, edges=[
        ("a/pc/pro/m", "b/pc/rpo_e_in/m_in", None, {"weight": 40.0, "delay": 1e-3}),
        ("b/pc/pro/m", "a/pc/rpo_e_in/m_in", None, {"weight": 20.0, "delay": 2.5e-3}),
    ])
    return compile_network(circuit.network())


def template_system(path: str) -> SystemIR:
    """The compiled system of a library template."""
    from pyrates_frontend import CircuitTemplate

    return compile_network(CircuitTemplate.from_yaml(path).network())


SYSTEMS = {
    "jrc": lambda: template_system(JRC),
    "qif": lambda: template_system(QIF),
    "jrc_pair_delayed": delayed_jrc_pair,
    **{case.name: (lambda c=case: c.system) for case in testing.reference_cases()},
}
"""Name -> system factory: library models and every reference case of the conformance kit."""
