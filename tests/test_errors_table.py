"""Errors that teach: malformed inputs, each with the documented exception type, the names that
locate the problem, and the user's files left as they were.

Every row is ``(case id, action, exception type, words the message must contain)``. The action
gets a ``Workspace`` (a temporary folder with a valid model file and helpers to write broken
ones); after it raised, the test checks that no file in that folder changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from pyrates import CircuitTemplate, NodeTemplate, OperatorTemplate, clear_frontend_caches
from pyrates_core.errors import (
    BackendNotFoundError,
    DivergenceError,
    EquationError,
    SolverError,
    TemplateError,
    VariableNotFoundError,
)

GOOD = """
li_op:
  base: OperatorTemplate
  equations: "d/dt * r = (r0 - r) / tau + m_in"
  variables:
    r: output(0.0)
    m_in: input(0.0)
    r0: 1.0
    tau: 0.5

li_node:
  base: NodeTemplate
  operators: [li_op]

net:
  base: CircuitTemplate
  nodes:
    a: li_node
    b: li_node
  edges:
    - [a/li_op/r, b/li_op/m_in, null, {weight: 2.0}]
"""


@dataclass
class Workspace:
    folder: Path

    def write(self, name: str, text: str) -> str:
        """Write a YAML file and return its path."""
        path = self.folder / name
        path.write_text(text)
        return str(path)

    def op(self, equations, variables, name: str = "broken_op") -> str:
        """A file with one operator, one node and a one-node circuit; returns the circuit path."""
        eqs = equations if isinstance(equations, list) else [equations]
        lines = [f"{name}:", "  base: OperatorTemplate", "  equations:"]
        lines += [f"    - {e!r}" if "'" not in e else f'    - "{e}"' for e in eqs]
        lines.append("  variables:")
        lines += [f"    {k}: {v}" for k, v in variables.items()]
        lines += ["broken_node:", "  base: NodeTemplate", f"  operators: [{name}]",
                  "broken_net:", "  base: CircuitTemplate", "  nodes:", "    p: broken_node"]
        return self.write("broken.yaml", "\n".join(lines) + "\n") + "/broken_net"

    @property
    def net(self) -> CircuitTemplate:
        return CircuitTemplate.from_yaml(str(self.folder / "good.yaml") + "/net")


def run(circuit: CircuitTemplate, **kw):
    args = {"simulation_time": 0.1, "step_size": 1e-3}
    args.update(kw)
    return circuit.run(**args)


def edge_net(ws: Workspace, attrs: str, source: str = "a/li_op/r",
             target: str = "b/li_op/m_in") -> CircuitTemplate:
    text = GOOD.replace("[a/li_op/r, b/li_op/m_in, null, {weight: 2.0}]",
                        f"[{source}, {target}, null, {attrs}]")
    return CircuitTemplate.from_yaml(ws.write("edge.yaml", text) + "/net")


A = Callable[[Workspace], object]
CASES: list[tuple[str, A, type[BaseException], list[str]]] = [
    # --- YAML files and template paths --------------------------------------------------
    ("yaml-syntax", lambda ws: CircuitTemplate.from_yaml(
        ws.write("bad.yaml", "net:\n  base: [CircuitTemplate\n") + "/net"),
     TemplateError, ["bad.yaml", "line"]),
    ("duplicate-template", lambda ws: CircuitTemplate.from_yaml(
        ws.write("dup.yaml", GOOD + "\nli_node:\n  base: NodeTemplate\n  operators: [li_op]\n")
        + "/net"), TemplateError, ["dup.yaml", "li_node", "twice"]),
    ("duplicate-node", lambda ws: CircuitTemplate.from_yaml(
        ws.write("dupnode.yaml", GOOD.replace("    b: li_node", "    a: li_node")) + "/net"),
     TemplateError, ["dupnode.yaml", "'a'", "twice"]),
    ("missing-template", lambda ws: CircuitTemplate.from_yaml(
        str(ws.folder / "good.yaml") + "/nett"), TemplateError, ["nett", "good.yaml", "net"]),
    ("missing-file", lambda ws: CircuitTemplate.from_yaml(str(ws.folder / "nofile.yaml") + "/net"),
     TemplateError, ["nofile", "not found"]),
    ("missing-library", lambda ws: CircuitTemplate.from_yaml("no_such_library.models.JRC"),
     TemplateError, ["no_such_library", "not found"]),
    ("file-without-template", lambda ws: CircuitTemplate.from_yaml(str(ws.folder / "good.yaml")),
     TemplateError, ["good.yaml", "template name", "net"]),
    ("circular-base", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "circ.yaml", "a_op:\n  base: b_op\nb_op:\n  base: a_op\n"
        "n:\n  base: NodeTemplate\n  operators: [a_op]\nc:\n  base: CircuitTemplate\n"
        "  nodes:\n    p: n\n") + "/c"), TemplateError, ["circular", "a_op", "b_op"]),
    ("unknown-base-type", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "base.yaml", GOOD.replace("base: OperatorTemplate", "base: OperatorTemplat")) + "/net"),
     TemplateError, ["OperatorTemplat", "OperatorTemplate"]),
    ("unknown-key", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "key.yaml", GOOD.replace("  equations:", "  equation:")) + "/net"),
     TemplateError, ["equation", "equations", "li_op"]),
    ("unknown-variable-kind", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "kind.yaml", GOOD.replace("m_in: input(0.0)", "m_in: inptu(0.0)")) + "/net"),
     TemplateError, ["inptu", "m_in", "input"]),
    ("non-numeric-default", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "val.yaml", GOOD.replace("tau: 0.5", "tau: fast")) + "/net"),
     TemplateError, ["tau", "fast"]),
    ("unknown-operator", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "op.yaml", GOOD.replace("operators: [li_op]", "operators: [lli_op]")) + "/net"),
     TemplateError, ["lli_op", "li_op"]),
    ("unknown-node-template", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "node.yaml", GOOD.replace("    b: li_node", "    b: li_nod")) + "/net"),
     TemplateError, ["li_nod", "li_node"]),
    ("operator-without-equations", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "noeq.yaml", GOOD.replace('  equations: "d/dt * r = (r0 - r) / tau + m_in"\n', ""))
        + "/net").run(0.1, 1e-3), (TemplateError, EquationError), ["li_op", "equation"]),
    ("edge-wrong-length", lambda ws: CircuitTemplate.from_yaml(ws.write(
        "elen.yaml", GOOD.replace("[a/li_op/r, b/li_op/m_in, null, {weight: 2.0}]",
                                  "[a/li_op/r]")) + "/net"),
     TemplateError, ["edge", "a/li_op/r"]),
    # --- edges ----------------------------------------------------------------------------
    ("edge-unknown-source-node", lambda ws: run(edge_net(ws, "{weight: 1.0}", source="c/li_op/r")),
     VariableNotFoundError, ["c/li_op/r", "edge"]),
    ("edge-unknown-target-var", lambda ws: run(edge_net(ws, "{weight: 1.0}",
                                                        target="b/li_op/m_inn")),
     VariableNotFoundError, ["m_inn", "m_in"]),
    ("edge-weight-text", lambda ws: run(edge_net(ws, "{weight: abc}")),
     TemplateError, ["weight", "abc", "a/li_op/r"]),
    ("edge-negative-delay", lambda ws: run(edge_net(ws, "{weight: 1.0, delay: -0.5}")),
     (TemplateError, ValueError), ["delay", "-0.5", "a/li_op/r", "positive"]),
    ("edge-delay-below-step", lambda ws: run(edge_net(ws, "{weight: 1.0, delay: 0.0004}")),
     ValueError, ["delay", "step"]),
    ("edge-spread-without-delay", lambda ws: run(edge_net(ws, "{weight: 1.0, spread: 0.1}")),
     (TemplateError, ValueError), ["spread", "delay", "a/li_op/r"]),
    ("edge-negative-spread", lambda ws: run(edge_net(ws, "{weight: 1.0, delay: 0.5, spread: -1}")),
     (TemplateError, ValueError), ["spread", "a/li_op/r"]),
    ("edge-unknown-attribute", lambda ws: run(edge_net(ws, "{wieght: 1.0}")),
     (TemplateError, ValueError), ["wieght", "weight"]),
    # --- equations --------------------------------------------------------------------------
    ("unbalanced-parentheses", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x = -(x + 1", {"x": "output(0.0)"}))),
     EquationError, ["broken_op", "-(x + 1", "parenthes"]),
    ("undefined-symbol", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x = -x + k", {"x": "output(0.0)"}))), EquationError, ["broken_op", "'k'"]),
    ("unknown-function", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x = -x + sigmod(x)", {"x": "output(0.0)"}))),
     EquationError, ["sigmod", "sigmoid", "broken_op"]),
    ("no-equals-sign", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x - x", {"x": "output(0.0)"}))), EquationError, ["broken_op", "="]),
    ("two-equals-signs", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x = -x = 1", {"x": "output(0.0)"}))), EquationError, ["broken_op", "="]),
    ("derivative-of-undeclared", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * q = -q", {"x": "output(0.0)"}))), EquationError, ["broken_op", "q"]),
    ("empty-equation", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        " ", {"x": "output(0.0)"}))), (EquationError, TemplateError), ["broken_op", "empty"]),
    ("algebraic-loop", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        ["a = b + 1", "b = a * 2", "d/dt * x = a - x"],
        {"x": "output(0.0)", "a": "variable(0.0)", "b": "variable(0.0)"}))),
     EquationError, ["a", "b", "loop"]),
    ("derivative-of-constant", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * k = -k", {"x": "output(0.0)", "k": 1.0}))), EquationError, ["broken_op", "k"]),
    # --- run() arguments --------------------------------------------------------------------
    ("outputs-wrong-type", lambda ws: run(ws.net, outputs=42),
     TypeError, ["outputs", "dict", "list"]),
    ("outputs-path-not-text", lambda ws: run(ws.net, outputs={"r": 3}),
     TypeError, ["outputs", "'r'", "strings"]),
    ("output-not-found", lambda ws: run(ws.net, outputs={"r": "a/li_op/rr"}),
     VariableNotFoundError, ["a/li_op/rr", "a/li_op/r"]),
    ("output-is-constant", lambda ws: run(ws.net, outputs={"t": "a/li_op/tau"}),
     VariableNotFoundError, ["tau", "constant"]),
    ("simulation-time-string", lambda ws: ws.net.run(simulation_time="1.0", step_size=1e-3),
     TypeError, ["simulation_time", "number"]),
    ("step-size-string", lambda ws: ws.net.run(simulation_time=1.0, step_size="1e-3"),
     TypeError, ["step_size", "number"]),
    ("step-size-negative", lambda ws: run(ws.net, step_size=-1e-3),
     ValueError, ["step_size", "positive"]),
    ("step-size-zero", lambda ws: run(ws.net, step_size=0.0), ValueError, ["step_size"]),
    ("simulation-time-negative", lambda ws: run(ws.net, simulation_time=-1.0),
     ValueError, ["simulation_time", "positive"]),
    ("step-longer-than-run", lambda ws: run(ws.net, simulation_time=1e-3, step_size=1e-2),
     ValueError, ["step_size", "simulation_time"]),
    ("sampling-not-multiple", lambda ws: run(ws.net, sampling_step_size=1.5e-3),
     ValueError, ["sampling_step_size", "multiple", "step_size"]),
    ("sampling-below-step", lambda ws: run(ws.net, sampling_step_size=1e-4),
     ValueError, ["sampling_step_size", "step_size"]),
    ("unknown-solver", lambda ws: run(ws.net, solver="rk5"), SolverError, ["rk5", "rk4"]),
    ("unknown-backend", lambda ws: run(ws.net, backend="nump"),
     BackendNotFoundError, ["nump", "numpy"]),
    ("unknown-keyword", lambda ws: run(ws.net, sampling_stepsize=1e-3),
     TypeError, ["sampling_stepsize", "sampling_step_size"]),
    ("misspelled-backend-option", lambda ws: run(ws.net, numbaa=True),
     TypeError, ["numbaa", "numba"]),
    ("option-does-not-apply", lambda ws: run(ws.net, solver="euler", method="RK45"),
     (TypeError, SolverError), ["method", "euler"]),
    ("float-precision-unknown", lambda ws: run(ws.net, float_precision="float16"),
     ValueError, ["float_precision", "float16", "float64"]),
    # --- inputs -----------------------------------------------------------------------------
    ("inputs-not-a-dict", lambda ws: run(ws.net, inputs=[1, 2, 3]),
     TypeError, ["inputs", "dict"]),
    ("input-not-found", lambda ws: run(ws.net, inputs={"a/li_op/m_inn": np.zeros(100)}),
     VariableNotFoundError, ["m_inn", "m_in"]),
    ("input-wrong-length", lambda ws: run(ws.net, inputs={"a/li_op/m_in": np.zeros(99)}),
     ValueError, ["a/li_op/m_in", "99", "100"]),
    ("input-wrong-columns", lambda ws: run(ws.net, inputs={"all/li_op/m_in": np.zeros((100, 3))}),
     ValueError, ["all/li_op/m_in", "(100, 2)"]),
    ("input-with-nan", lambda ws: run(ws.net, inputs={"a/li_op/m_in": np.r_[np.zeros(50),
                                                                       np.nan * np.ones(50)]}),
     ValueError, ["a/li_op/m_in", "NaN", "row 50"]),
    ("input-as-string", lambda ws: run(ws.net, inputs={"a/li_op/m_in": "zeros"}),
     (TypeError, ValueError), ["a/li_op/m_in", "array"]),
    # --- values -----------------------------------------------------------------------------
    ("update-var-text", lambda ws: ws.net.update_var(node_vars={"a/li_op/tau": "slow"}),
     (TypeError, ValueError), ["a/li_op/tau", "slow", "number"]),
    ("update-var-unknown", lambda ws: ws.net.update_var(node_vars={"a/li_op/taux": 1.0}),
     VariableNotFoundError, ["a/li_op/taux", "a/li_op/tau"]),
    ("update-var-wrong-size", lambda ws: ws.net.update_var(node_vars={"all/li_op/tau": [1, 2, 3]}),
     ValueError, ["all/li_op/tau", "3", "2"]),
    ("nan-parameter", lambda ws: run(ws.net.update_var(node_vars={"a/li_op/tau": float("nan")})),
     ValueError, ["a/li_op/tau", "NaN"]),
    ("inf-parameter", lambda ws: run(ws.net.update_var(node_vars={"a/li_op/r0": float("inf")})),
     ValueError, ["a/li_op/r0", "inf"]),
    ("get-var-unknown", lambda ws: ws.net.get_var("a/li_op/rr"),
     VariableNotFoundError, ["a/li_op/rr", "a/li_op/r"]),
    ("divergence", lambda ws: run(CircuitTemplate.from_yaml(ws.op(
        "d/dt * x = x^2", {"x": "output(2.0)"})), simulation_time=5.0, step_size=1e-2),
     DivergenceError, ["p/broken_op/x", "t ="]),
    # --- building in Python -----------------------------------------------------------------
    ("circuit-without-nodes", lambda ws: run(CircuitTemplate("empty", nodes={})),
     (TemplateError, ValueError), ["empty", "node"]),
    ("node-not-a-template", lambda ws: CircuitTemplate("c", nodes={"a": 3.0}),
     (TemplateError, TypeError), ["'a'", "NodeTemplate"]),
    ("operator-equations-not-text", lambda ws: run(CircuitTemplate("c", nodes={"a": NodeTemplate(
        "n", operators=[OperatorTemplate("o", equations=[1.5], variables={"x": "output(0.0)"})])})),
     (TemplateError, TypeError, EquationError), ["o", "equation"]),
    ("matrix-wrong-shape", lambda ws: ws.net.add_edges_from_matrix(
        "li_op/r", "li_op/m_in", ["a", "b"], weight=np.ones((3, 3))),
     ValueError, ["(3, 3)", "(2, 2)"]),
    ("template-path-not-text", lambda ws: CircuitTemplate.from_yaml(42),
     (TemplateError, TypeError), ["42", "path"]),
    ("run-func-user-file", lambda ws: ws.net.get_run_func(
        "rhs", file_name=str(ws.folder / "mine"), step_size=1e-3),
     FileExistsError, ["mine.py", "not written by PyRates"]),
    ("to-yaml-user-file", lambda ws: ws.net.to_yaml(str(ws.folder / "notes.yaml")),
     FileExistsError, ["notes.yaml"]),
]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(("action", "exc", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_input_gets_a_clear_error(tmp_path, monkeypatch, action, exc, words):
    monkeypatch.chdir(tmp_path)
    clear_frontend_caches()
    ws = Workspace(tmp_path)
    ws.write("good.yaml", GOOD)
    ws.write("mine.py", "print('my own script')\n")
    ws.write("notes.yaml", "# my notes, not a PyRates file\nkey: value\n")
    action_files = _digest(tmp_path)
    with pytest.raises(exc) as info:
        action(ws)
    message = str(info.value)
    missing = [w for w in words if w.lower() not in message.lower()]
    assert not missing, f"message lacks {missing}: {message}"
    after = _digest(tmp_path)
    changed = [n for n in action_files if after.get(n) != action_files[n]]
    assert not changed, f"user files changed: {changed}"
    clear_frontend_caches()


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
