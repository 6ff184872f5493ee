"""Drift test: the library has every template of PyRates 1.2.3, name for name, value for value.

``tests/data/original_templates.json`` is written by ``scripts/extract_original_table.py`` from
the original's YAML files. Every template listed there must exist here with the same kind,
operator, node and variable names, variable roles and default values, and (for operators)
the same equations up to sympy simplification. The exceptions are the documented fixes of
bugs in the original (``FIXES``, also listed in the README and CHANGELOG) and the original's
test resources that 1.2.3 itself cannot load (``NOT_CARRIED``).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from pyrates_core.equations import split_equation
from pyrates_frontend import CircuitTemplate, EdgeTemplate, NodeTemplate, OperatorTemplate

PKG = Path(__file__).resolve().parents[1]
TABLE = json.loads((PKG / "tests" / "data" / "original_templates.json").read_text("utf-8"))
ORIGINAL: dict[str, dict[str, Any]] = TABLE["templates"]
LOADERS = {"OperatorTemplate": OperatorTemplate, "NodeTemplate": NodeTemplate,
           "EdgeTemplate": EdgeTemplate, "CircuitTemplate": CircuitTemplate}
NMM = "model_templates.neural_mass_models"
OSC = "model_templates.oscillators"
_CNS = "model_templates.CNS_2019_Tutorial.templates"

# template -> (part that differs from the original, reason); each must be a real difference
FIXES: dict[str, tuple[str, str]] = {
    f"{OSC}.stuartlandau.sl_op": (
        "equations", "the amplitude term (1 - x^2 - z^2) multiplied z in the x equation, so the "
        "limit cycle was not the unit circle; it multiplies x now"),
    f"{NMM}.synaptic_plasticity.facilitation_op": (
        "equations", "the r_in term had a minus sign, so presynaptic activity decreased the "
        "release probability u; facilitation increases it"),
    f"{NMM}.ik.ik_eta_op": (
        "equations", "the Lorentzian-current term was Delta*k^2/(pi*C); the mean-field reduction "
        "gives Delta*k/(pi*C) (equal for the default k = 1)"),
    f"{NMM}.qif.qif_gap": (
        "edges", "its edge connected p/qif_op/r, but node p holds qif_gap_op (1.2.3 fails to "
        "build it); the edge connects p/qif_gap_op/r to p/qif_gap_op/r_in"),
    f"{NMM}.qif.qif_alpha_syn": (
        "loads", "its edge template alpha_edge did not exist; qif.alpha_edge (alpha_op from "
        "base_templates on the edge) is defined now"),
    f"{NMM}.theta.conductance_op": (
        "loads", "'variables' (v_s) was nested under 'equations', which 1.2.3 rejects; v_s is a "
        "variable of the operator now"),
    f"{NMM}.theta.kmo_conductance": (
        "loads", "its edge list was nested under 'nodes'; it is the circuit's edge list now"),
    **{f"{_CNS}.{n}": (
        "loads", "variables declared in the long form {default: ...} of PyRates 0.x, which "
        "1.2.3 rejects; declared in the short form with the same roles and values")
       for n in ("Op_exc", "Op_inh", "Op_exc_syns", "Op_inh_syns")},
    f"{_CNS}.JRC_nosyns": (
        "edges", "its edges reached the inputs r_e and r_i, which Op_exc and Op_inh do not have; "
        "they reach r_exc and r_inh"),
}

# templates of the original that are not part of this library, with the reason
_LINEAR = "model_templates.test_resources.linear"
_CACHING = "model_templates.test_resources.test_operator_caching_templates"
NOT_CARRIED: dict[str, str] = {
    **{f"{_LINEAR}.{n}": "draft test resource of the original, used by none of its tests "
       "(circuit keys 'label', 'matrix', 'node_map' and the base CircuitFromMatrix do not exist "
       "in 1.2.3)" for n in ("LinearOperator", "IncrementOperator", "ExampleNode",
                             "ExampleEdge", "ExampleCircuit", "MatrixCircuit")},
    **{f"{_CACHING}.{n}": "draft test resource of the original, used by none of its tests; it "
       "does not load in 1.2.3 (base TestOp1 does not exist, operators given as a single name)"
       for n in ("TestOpSin", "TestOpCos", "TestOpLin0", "TestOpLin1", "TestNodeLin0",
                 "TestNodeLin1", "TestCircuit1", "TestEdge1", "TestEdge2", "TestCircuit2")},
}

CARRIED = sorted(k for k in ORIGINAL if k not in NOT_CARRIED)
_NAME = re.compile(r"[A-Za-z_]\w*")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return complex(value["real"], value["imag"])
    return value


def _same_value(ours: Any, theirs: Any) -> bool:
    a, b = np.asarray(ours), np.asarray(_decode(theirs))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0.0))


_DELAYED = re.compile(r"\b([A-Za-z_]\w*)\(\s*t\s*-\s*([^()]+?)\s*\)")


def _expr(text: str, names: set[str]) -> sp.Expr | str:
    """sympy form of an expression (``pi``/``PI`` the number, other names symbols or functions,
    the 1.x delay notation ``x(t - d)`` read as ``past(x, d)``); the whitespace-free text where
    sympy cannot read it."""
    text = _DELAYED.sub(lambda m: f"past({m[1]}, {m[2]})" if m[1] in names else m[0], text)
    local: dict[str, Any] = {n: sp.Symbol(n) for n in names}
    local.update(pi=sp.pi, PI=sp.pi)
    try:
        return parse_expr(text, local_dict=local,
                          transformations=standard_transformations + (convert_xor,))
    except (TypeError, SyntaxError):
        return text.replace(" ", "")


def _equations(eqs: list[str], names: set[str]) -> dict[str, tuple[bool, Any]]:
    out = {}
    for eq in eqs:
        lhs, rhs, differential = split_equation(eq)
        out[lhs] = (differential, _expr(rhs, names))
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return str(a).replace(" ", "") == str(b).replace(" ", "")
    diff = sp.expand(a - b)
    return diff == 0 or sp.simplify(diff) == 0


def _load(path: str) -> Any:
    return LOADERS[ORIGINAL[path]["kind"]].from_yaml(path)


def _used_names(eqs: list[str]) -> set[str]:
    return {n for eq in eqs for n in _NAME.findall(eq.replace("d/dt", ""))}


def check_operator(path: str, op: OperatorTemplate, orig: dict[str, Any]) -> None:
    """Variables (names, roles, defaults) and equations of ``op`` equal the original's."""
    for var, decl in orig["variables"].items():
        assert var in op.variables, f"{path}: variable '{var}' of the original is missing"
        ours = op.variables[var]
        assert ours.kind == decl["role"], f"{path}/{var}: role {ours.kind} != {decl['role']}"
        assert _same_value(ours.value, decl["default"]), \
            f"{path}/{var}: default {ours.value!r} != {decl['default']!r}"
    extra = (set(op.variables) - set(orig["variables"])) & _used_names(op.equations)
    assert not extra, f"{path}: equations use variables the original lacks: {sorted(extra)}"
    if FIXES.get(path, ("",))[0] == "equations":
        return
    names = set(op.variables) | set(orig["variables"])
    ours, theirs = _equations(op.equations, names), _equations(orig["equations"], names)
    assert set(ours) == set(theirs), f"{path}: defines {sorted(ours)}, original {sorted(theirs)}"
    for lhs, (diff, rhs) in theirs.items():
        assert ours[lhs][0] == diff, f"{path}: '{lhs}' differential {ours[lhs][0]} != {diff}"
        assert _equal(ours[lhs][1], rhs), f"{path}: {lhs}: {ours[lhs][1]} != {rhs}"


def check_node(path: str, node: NodeTemplate, orig: dict[str, Any]) -> None:
    """Operator names and changed values of a node or edge equal the original's."""
    assert list(node.operators) == list(orig["operators"]), \
        f"{path}: operators {list(node.operators)} != {list(orig['operators'])}"
    for name, spec in orig["operators"].items():
        ours = node.values.get(name, {})
        assert set(ours) == set(spec["values"]), f"{path}/{name}: changed values differ"
        for var, val in spec["values"].items():
            assert _same_value(ours[var], val), f"{path}/{name}/{var}: {ours[var]} != {val}"


def _leaf(dotted: str | None) -> str | None:
    return None if dotted is None else dotted.rsplit(".", 1)[-1]


def check_circuit(path: str, circ: CircuitTemplate, orig: dict[str, Any]) -> None:
    """Node labels, sub-circuits and edges (with their attributes) equal the original's."""
    assert {k: v.name for k, v in circ.nodes.items()} == \
        {k: _leaf(v) for k, v in orig["nodes"].items()}, f"{path}: nodes differ"
    assert {k: v.name for k, v in circ.circuits.items()} == \
        {k: _leaf(v) for k, v in orig["circuits"].items()}, f"{path}: sub-circuits differ"
    if FIXES.get(path, ("",))[0] == "edges":
        return
    ours = [(s, t, tpl.name if tpl else None, a) for s, t, tpl, a in circ.edges]
    theirs = [(s, t, _leaf(tpl), {k: _decode(v) for k, v in a.items()})
              for s, t, tpl, a in orig["edges"]]
    assert ours == theirs, f"{path}: edges differ:\n{ours}\n{theirs}"


@pytest.mark.parametrize("path", CARRIED)
def test_template_matches_the_original(path):
    orig = ORIGINAL[path]
    tpl = _load(path)
    assert isinstance(tpl, LOADERS[orig["kind"]]), f"{path}: not a {orig['kind']}"
    assert tpl.name == path.rsplit(".", 1)[-1]
    if orig["kind"] == "OperatorTemplate":
        check_operator(path, tpl, orig)
    elif orig["kind"] == "CircuitTemplate":
        check_circuit(path, tpl, orig)
    else:
        check_node(path, tpl, orig)


def test_every_defect_of_the_original_is_fixed_or_not_carried():
    defective = {k for k, v in ORIGINAL.items() if v.get("defects")}
    assert defective, "the table should record the original's defects"
    unexplained = sorted(defective - set(FIXES) - set(NOT_CARRIED))
    assert not unexplained, f"defects of the original without a fix: {unexplained}"
    assert set(NOT_CARRIED) <= set(ORIGINAL) and set(FIXES) <= set(ORIGINAL)


@pytest.mark.parametrize("path", [p for p, (part, _) in FIXES.items() if part == "equations"])
def test_equation_fixes_really_differ(path):
    # keeps FIXES honest: an entry whose equations equal the original's must be removed
    op, orig = _load(path), ORIGINAL[path]
    names = set(op.variables) | set(orig["variables"])
    ours, theirs = _equations(op.equations, names), _equations(orig["equations"], names)
    assert any(not _equal(ours[k][1], theirs[k][1]) for k in theirs)


def test_fixed_edge_paths():
    # the edges of the fixed circuits equal the original's but for the repaired end points
    repairs = {
        f"{NMM}.qif.qif_gap": {"p/qif_op/r": "p/qif_gap_op/r",
                               "p/qif_op/r_in": "p/qif_gap_op/r_in"},
        f"{_CNS}.JRC_nosyns": {"IIN/Op_inh/r_e": "IIN/Op_inh/r_exc",
                               "PC/Op_exc/r_i": "PC/Op_exc/r_inh",
                               "EIN/Op_exc/r_e": "EIN/Op_exc/r_exc",
                               "PC/Op_exc/r_e": "PC/Op_exc/r_exc"},
    }
    assert set(repairs) == {p for p, (part, _) in FIXES.items() if part == "edges"}
    for path, repair in repairs.items():
        ours = [(s, t, tpl.name if tpl else None, a) for s, t, tpl, a in _load(path).edges]
        theirs = [(repair.get(s, s), repair.get(t, t), _leaf(tpl), a)
                  for s, t, tpl, a in ORIGINAL[path]["edges"]]
        assert ours == theirs, path
        assert all(s in repair or t in repair for s, t, _, _ in ORIGINAL[path]["edges"])


def test_table_is_current():
    spec = importlib.util.spec_from_file_location(
        "extract_original_table", PKG / "scripts" / "extract_original_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not (module.MIRROR / "HEAD").is_file():
        pytest.skip(f"no git mirror of the original PyRates at {module.MIRROR}")
    expected = module.render(module.MIRROR, TABLE["source"]["ref"])
    current = (PKG / "tests" / "data" / "original_templates.json").read_text("utf-8")
    assert current == expected, "run scripts/extract_original_table.py to refresh the table"


def test_additions_are_listed_in_the_readme():
    # every template that the original lacks is one of the documented additions
    from pyrates_models import list_templates

    text = (PKG / "README.md").read_text("utf-8")
    section = text.split("## Additions", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for item in section.split("\n- ")[1:]:
        file, _, names = item.partition(":")
        listed |= {f"model_templates.{file.strip(' `')}.{n}" for n in re.findall(r"`(\w+)`", names)}
    ours = {p for p, _ in list_templates()}
    assert ours - set(ORIGINAL) == listed
