"""Templates and circuits show themselves: LaTeX equations and HTML tables (issue 21)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate
from pyrates_frontend.display import MAX_ROWS, equation_latex

JRC = "model_templates.neural_mass_models.jansenrit.JRC"


def _rows(html: str) -> list[list[str]]:
    """The cells of every table row, as text."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", html)]


def _equations(html: str) -> list[str]:
    return re.findall(r"\$\$(.*?)\$\$", html)


@pytest.fixture(scope="module")
def jrc_html() -> str:
    return CircuitTemplate.from_yaml(JRC)._repr_html_()


def test_jrc_html_has_the_synapse_equation_as_a_latex_fraction(jrc_html: str) -> None:
    eqs = _equations(jrc_html)
    # rpo_e: x' = h*m_in/tau - 2*x/tau - v/tau^2, with m_in -> (m_in + u) on the PC input synapse
    assert any(r"\frac{d}{d t} x = " in e and r"\frac{h m_{in}}{\tau}" in e for e in eqs), eqs
    assert any(r"\frac{h \left(m_{in} + u\right)}{\tau}" in e for e in eqs), eqs
    assert any(r"\frac{v}{\tau^{2}}" in e for e in eqs)
    assert r"\frac{d}{d t} v = x" in eqs


def test_jrc_html_tables_hold_the_variables_with_role_and_value(jrc_html: str) -> None:
    rows = _rows(jrc_html)
    assert ["h", "constant", "0.00325"] in rows          # excitatory synapse gain
    assert ["h", "constant", "-0.022"] in rows           # inhibitory synapse gain
    assert ["u", "input", "220"] in rows                 # extrinsic input of the PC
    assert ["v", "output", "0"] in rows
    assert ["x", "state variable", "0"] in rows


def test_jrc_html_lists_nodes_and_edges(jrc_html: str) -> None:
    rows = _rows(jrc_html)
    nodes = {r[0] for r in rows if len(r) == 3 and r[2].count(",") >= 1}
    assert {"pc", "ein", "iin"} <= nodes
    edges = [r for r in rows if len(r) == 6]
    assert len(edges) == 4
    weights = sorted(float(r[3]) for r in edges)
    assert weights == pytest.approx([33.75, 33.75, 108.0, 135.0])
    assert all(r[4] == "-" for r in edges)               # JRC has no delays


def test_jrc_repr_is_a_text_summary() -> None:
    text = repr(CircuitTemplate.from_yaml(JRC))
    first, *rest = text.splitlines()
    assert first == f"<CircuitTemplate '{JRC}'>"
    assert "  nodes (3)" in rest and "  edges (4): source -> target (weight, delay, spread)" in rest
    assert any(line.strip().startswith("pc: ") for line in rest)
    assert any("ein/pro/m -> pc/rpo_e_in/m_in (108, -, -)" == line.strip() for line in rest)


def test_operator_repr_and_html() -> None:
    op = OperatorTemplate("lin", equations=["d/dt * x = -k*x + u", "y = exp(x)/2"],
                          variables={"x": "output(1.5)", "k": 0.5, "u": "input(0.0)",
                                     "y": "variable(0.0)"}, description="a <linear> decay")
    text = repr(op)
    assert text.splitlines()[:3] == ["<OperatorTemplate 'lin'>", "  a <linear> decay",
                                     "  d/dt * x = -k*x + u"]
    assert re.search(r"^\s+k\s+constant\s+0\.5$", text, re.M)
    assert re.search(r"^\s+x\s+output\s+1\.5$", text, re.M)
    html = op._repr_html_()
    assert "a &lt;linear&gt; decay" in html and "<linear>" not in html
    assert _equations(html) == [r"\frac{d}{d t} x = - k x + u", r"y = \frac{e^{x}}{2}"]
    assert ["u", "input", "0"] in _rows(html)


def test_latex_is_the_parsed_equation() -> None:
    """The LaTeX says the same as the equation: sympy reads it back to the same expression."""
    lat = equation_latex("r = r_max/(1 + exp(s*(v_thr - v)))", ["r", "r_max", "s", "v_thr", "v"])
    lhs, rhs = lat.split(" = ")
    assert lhs == "r"
    r_max, s, v_thr, v = sp.symbols("r_max s v_thr v")
    assert rhs == sp.latex(r_max / (1 + sp.exp(s * (v_thr - v))))
    assert r"\frac{r_{max}}" in rhs


def test_delayed_reads_and_functions_render() -> None:
    lat = equation_latex("x' = -x(t - 2.0) + sigmoid(y)", ["x", "y"])
    assert lat.startswith(r"\frac{d}{d t} x = ")
    assert r"- x\left(t - 2.0\right)" in lat                 # past(x, 2) as written in 1.x
    assert r"\frac{1}{1 + e^{- y}}" in lat                    # sigmoid(y), as sympy knows it
    assert equation_latex("y = past(x, d)^2", ["x", "y", "d"]) == r"y = x\left(t - d\right)^{2}"


def test_an_unparsable_equation_is_shown_as_text() -> None:
    op = OperatorTemplate("bad", equations=["d/dt * x = -(x + "], variables={"x": "output(0.0)"})
    html = op._repr_html_()
    assert _equations(html) == [r"\text{d/dt * x = -(x + }"]
    assert "d/dt * x = -(x + " in repr(op)


def test_node_shows_its_own_values() -> None:
    op = OperatorTemplate("lin", equations="x' = -k*x", variables={"x": "output(0.0)", "k": 1.0})
    node = NodeTemplate("n", operators={op: {"k": 3.0}})
    assert ["k", "constant", "3"] in _rows(node._repr_html_())
    assert re.search(r"^\s+k\s+constant\s+3$", repr(node), re.M)
    assert "operator lin" in repr(node)


def test_circuit_html_uses_current_values_and_merges_identical_nodes() -> None:
    op = OperatorTemplate("li", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    node = NodeTemplate("li_node", operators=[op])
    n = MAX_ROWS + 5
    labels = [f"p{i}" for i in range(n)]
    net = CircuitTemplate("ring", nodes=dict.fromkeys(labels, node))
    net.add_edges_from_matrix("li/r", "li/r_in", labels,
                              weight=np.roll(np.eye(n), 1, axis=1) * 0.5)
    net.update_var(node_vars={"p0/li/tau": 2.5})
    html = net._repr_html_()
    assert f"<h4>nodes ({n})</h4>" in html and f"<h4>edges ({n})</h4>" in html
    assert html.count("... 5 more") == 2                  # both tables truncated
    assert html.count("<summary>") == 1                  # one equation block for all nodes
    assert f"node p0 (and {n - 1} more like it)" in html
    assert ["tau", "constant", "1 ... 2.5 (varies over nodes)"] in _rows(html)
    assert ["r", "output", "0"] in _rows(html)
    assert ["p1/li/r", "p0/li/r_in", "-", "0.5", "-", "-"] in _rows(html)
    assert repr(net).count("\n    ... 5 more") == 2


def test_delays_show_in_the_edge_table() -> None:
    op = OperatorTemplate("li", equations="r' = -r + r_in",
                          variables={"r": "output(0.0)", "r_in": "input(0.0)"})
    node = NodeTemplate("li_node", operators=[op])
    net = CircuitTemplate("pair", nodes={"a": node, "b": node},
                          edges=[("a/li/r", "b/li/r_in", None,
                                  {"weight": 2.0, "delay": 1.5, "spread": 0.25})])
    assert ["a/li/r", "b/li/r_in", "-", "2", "1.5", "0.25"] in _rows(net._repr_html_())
    assert "a/li/r -> b/li/r_in (2, 1.5, 0.25)" in repr(net)


def test_edge_templates_show_their_equations() -> None:
    circuit = CircuitTemplate.from_yaml("model_templates.neural_mass_models.qif.qif_tsodyks")
    html = circuit._repr_html_()
    assert "edge template" in html and "tsodyks" in html
    eqs = _equations(html)
    assert r"r_{eff} = r_{in} u x" in eqs
    assert ["U0", "constant", "0.6"] in _rows(html)
    edge = next(r for r in _rows(html) if len(r) == 6)
    assert edge[0] == "p/qif_op/r" and edge[1] == "p/qif_op/r_in" and "tsodyks" in edge[2]


def test_a_circuit_that_cannot_be_flattened_still_shows_its_name(monkeypatch) -> None:
    from pyrates_core.errors import TemplateError

    net = CircuitTemplate("broken", nodes={})

    def fail() -> None:
        raise TemplateError("node 'x' is missing")

    monkeypatch.setattr(net, "network", fail)
    assert repr(net) == "<CircuitTemplate 'broken'> (cannot be shown: node 'x' is missing)"
    assert "cannot be shown: node &#x27;x&#x27; is missing" in net._repr_html_()
