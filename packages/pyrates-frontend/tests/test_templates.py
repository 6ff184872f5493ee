"""Loading templates from YAML and Python, inheritance, access, and error messages."""

import pytest

from pyrates_core.errors import EquationError, TemplateError, VariableNotFoundError
from pyrates_frontend import CircuitTemplate, NodeTemplate, OperatorTemplate


def test_load_by_file_path_and_access(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    assert c["p"].name == "decay_node"
    assert c["p/decay_op"].equations == ["d/dt * x = -k*x + u"]
    assert c["p/decay_op/k"] == 0.5
    assert c["p"]["decay_op"]["x"].kind == "output"


def test_load_by_dotted_path_relative_to_cwd(model_file, monkeypatch):
    monkeypatch.chdir(model_file.parent.parent)
    c = CircuitTemplate.from_yaml("models.linear.pair")
    assert set(c.nodes) == {"a", "b"} and len(c.edges) == 1


def test_derived_operator_replace_and_variables(model_file):
    op = OperatorTemplate.from_yaml(f"{model_file}/derived_op")
    assert op.equations == ["d/dt * x = -k*x + (u + c)"]
    assert op["k"].value == 2.0 and op["c"].value == 0.25 and op["x"].kind == "output"


def test_replace_is_whole_word():
    op = OperatorTemplate("o", equations="y = a + ab + a_b", variables={
        "y": "output(0.0)", "a": 1.0, "ab": 2.0, "a_b": 3.0})
    new = op.update_template("o2", equations={"replace": {"a": "(a*2)"}})
    assert new.equations == ["y = (a*2) + ab + a_b"]


def test_python_built_circuit_equals_yaml(model_file):
    op = OperatorTemplate("li_op", equations="r' = -r/tau + r_in",
                          variables={"r": "output(0.0)", "tau": 1.0, "r_in": "input(0.0)"})
    node = NodeTemplate("li_node", operators=[op])
    c = CircuitTemplate("pair", nodes={"a": node, "b": node},
                        edges=[("a/li_op/r", "b/li_op/r_in", None, {"weight": 2.0})])
    y = CircuitTemplate.from_yaml(f"{model_file}/pair")
    assert c.network().edges[0].weight == y.network().edges[0].weight == 2.0
    assert c.network().nodes["a"].signature() == y.network().nodes["a"].signature()


def test_unknown_template_path_says_where_it_looked():
    with pytest.raises(TemplateError, match="not found.*Looked for"):
        CircuitTemplate.from_yaml("nowhere.file.Template")


def test_unknown_template_name_lists_defined(model_file):
    with pytest.raises(TemplateError, match=r"'decayy' is not defined.*Did you mean 'decay'"):
        CircuitTemplate.from_yaml(f"{model_file}/decayy")


def test_yaml_typo_in_key_is_named(tmp_path):
    f = tmp_path / "typo.yaml"
    f.write_text("op:\n  base: OperatorTemplate\n  equation: \"x' = -x\"\n"
                 "  variables: {x: output(0.0)}\n")
    with pytest.raises(TemplateError, match=r"unknown key.*'equation'.*Did you mean 'equations'"):
        OperatorTemplate.from_yaml(f"{f}/op")


def test_yaml_syntax_error_names_file(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("op:\n  base: [unclosed\n")
    with pytest.raises(TemplateError, match="broken.yaml"):
        OperatorTemplate.from_yaml(f"{f}/op")


def test_undefined_symbol_names_operator_and_node(tmp_path):
    f = tmp_path / "undef.yaml"
    f.write_text("op:\n  base: OperatorTemplate\n  equations: \"x' = -k*x\"\n"
                 "  variables: {x: output(0.0)}\n"
                 "n:\n  base: NodeTemplate\n  operators: [op]\n"
                 "c:\n  base: CircuitTemplate\n  nodes: {p: n}\n")
    c = CircuitTemplate.from_yaml(f"{f}/c")
    with pytest.raises(EquationError, match=r"'k'.*operator 'op' of node 'p'"):
        c.run(1.0, 0.1)


def test_wrong_template_kind(model_file):
    with pytest.raises(TemplateError, match="is a OperatorTemplate, not a CircuitTemplate"):
        CircuitTemplate.from_yaml(f"{model_file}/decay_op")


def test_edge_template_input_named_like_source_is_rejected():
    from pyrates_frontend import EdgeTemplate

    syn = OperatorTemplate("syn", equations="s' = -s + r", variables={
        "s": "output(0.0)", "r": "input(0.0)"})
    edge = EdgeTemplate("e", operators=[syn])
    node = NodeTemplate("n", operators=[OperatorTemplate(
        "li", equations="r' = -r + r_in", variables={"r": "output(0.0)", "r_in": "input(0.0)"})])
    with pytest.raises(TemplateError, match="same name as the edge's source"):
        CircuitTemplate("c", nodes={"a": node, "b": node},
                        edges=[("a/li/r", "b/li/r_in", edge, {"weight": 1.0})])


def test_get_and_update_var_with_wildcards(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    c.update_var(node_vars={"all/li_op/tau": [2.0, 3.0]})
    assert c.get_var("a/li_op/tau") == 2.0 and c.get_var("b/li_op/tau") == 3.0
    assert c.get_var("all/li_op/tau") == {"a/li_op/tau": 2.0, "b/li_op/tau": 3.0}
    c.update_var(edge_vars=[("a/li_op/r", "b/li_op/r_in", {"weight": 5.0})])
    assert c.network().edges[0].weight == 5.0
    with pytest.raises(VariableNotFoundError, match="Did you mean 'a/li_op/tau'"):
        c.update_var(node_vars={"a/li_op/tua": 1.0})


def test_from_yaml_returns_independent_circuits(model_file):
    c1 = CircuitTemplate.from_yaml(f"{model_file}/pair")
    c1.update_var(node_vars={"a/li_op/tau": 9.0})
    c2 = CircuitTemplate.from_yaml(f"{model_file}/pair")
    assert c2.get_var("a/li_op/tau") == 1.0


def test_add_edges_from_matrix(model_file):
    import numpy as np

    node = NodeTemplate.from_yaml(f"{model_file}/li_node")
    c = CircuitTemplate("net", nodes={f"n{i}": node for i in range(3)})
    w = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 1e-9], [0.0, -3.0, 0.0]])
    d = np.full((3, 3), 0.5)
    c.add_edges_from_matrix("li_op/r", "li_op/r_in", [f"n{i}" for i in range(3)], weight=w,
                            edge_attr={"delay": d})
    got = {(e.source, e.target, e.weight, e.delay) for e in c.network().edges}
    assert got == {("n1/li_op/r", "n0/li_op/r_in", 1.0, 0.5),
                   ("n0/li_op/r", "n1/li_op/r_in", 2.0, 0.5),
                   ("n1/li_op/r", "n2/li_op/r_in", -3.0, 0.5)}
    with pytest.raises(ValueError, match="shape"):
        c.add_edges_from_matrix("li_op/r", "li_op/r_in", ["n0", "n1"], weight=w)


def test_pickle_round_trip(model_file, tmp_path):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    c.update_var(node_vars={"b/li_op/tau": 4.0})
    c.to_pickle(tmp_path / "c.pkl")
    c2 = CircuitTemplate.from_pickle(tmp_path / "c.pkl")
    assert c2.get_var("b/li_op/tau") == 4.0


def test_update_edge_inside_one_subcircuit_only(model_file):
    pair = CircuitTemplate.from_yaml(f"{model_file}/pair")
    top = CircuitTemplate("top", circuits={"x": pair, "y": pair})
    top.update_var(edge_vars=[("x/a/li_op/r", "x/b/li_op/r_in", {"weight": 7.0})])
    weights = {e.source: e.weight for e in top.network().edges}
    assert weights == {"x/a/li_op/r": 7.0, "y/a/li_op/r": 2.0}
    with pytest.raises(VariableNotFoundError, match="no edge"):
        top.update_var(edge_vars=[("x/a/li_op/r", "y/b/li_op/r_in", {"weight": 1.0})])


def test_update_var_rejects_values_that_do_not_fit(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    with pytest.raises(ValueError, match="3 values for 'all/li_op/tau' do not fit 2 matched"):
        c.update_var(node_vars={"all/li_op/tau": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="variable 'a/li_op/tau' of shape"):
        c.update_var(node_vars={"a/li_op/tau": [1.0, 2.0]})
    assert c.get_var("a/li_op/tau") == 1.0  # nothing changed
