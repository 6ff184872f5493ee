"""The template methods of PyRates 1.x: node/edge lookup, in-place updates, saving."""

import numpy as np
import pytest

from pyrates_core.errors import TemplateError, VariableNotFoundError
from pyrates_frontend import (
    CircuitTemplate,
    Connectivity,
    NodeTemplate,
    OperatorTemplate,
    PopulationTemplate,
    clear,
    save,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def nested(model_file) -> CircuitTemplate:
    pair = CircuitTemplate.from_yaml(f"{model_file}/pair")
    return CircuitTemplate("top", circuits={"c1": pair, "c2": pair},
                           edges=[("c1/b/li_op/r", "c2/a/li_op/r_in", None,
                                   {"weight": 0.5, "delay": 0.2})])


def test_get_nodes_edges_and_templates(model_file):
    top = nested(model_file)
    assert top.get_nodes("all/all") == ["c1/a", "c1/b", "c2/a", "c2/b"]
    assert top.get_nodes(["c2", "all"], var_identifier=("li_op", "r")) == ["c2/a", "c2/b"]
    assert top.get_nodes("c1/a", var_identifier=("li_op", "nope")) == []
    edges = top.collect_edges(delay_info=True)
    assert len(edges) == 3 and sorted(e[4] for e in edges) == [False, False, True]
    assert [e[:2] for e in top.get_edges("c1/all/li_op/r", "all/all/li_op/r_in")] == [
        ("c1/b/li_op/r", "c2/a/li_op/r_in"), ("c1/a/li_op/r", "c1/b/li_op/r_in")]
    assert top.get_edge("c2/a/li_op/r", "c2/b/li_op/r_in")[3] == {"weight": 2.0}
    with pytest.raises(IndexError, match="1 edge"):
        top.get_edge("c2/a/li_op/r", "c2/b/li_op/r_in", idx=1)
    assert top.get_node_template("c1/a").name == "li_node"
    with pytest.raises(VariableNotFoundError, match="Did you mean 'c1/a'"):
        top.get_node_template("c1/aa")


def test_add_node_template_and_update_var_on_node(model_file):
    top = nested(model_file)
    slow = top.get_node_template("c2/b").update_template(name="slow")
    slow.update_var("li_op", "tau", 10.0)
    top.add_node_template("c2/b", slow)
    assert top.get_var("c2/b/li_op/tau") == 10.0 and top.get_var("c1/b/li_op/tau") == 1.0
    assert slow.get_op("li_op").name == "li_op"
    with pytest.raises(VariableNotFoundError):
        slow.update_var("li_op", "tauu", 1.0)


def test_update_template_in_place_and_copy(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    new = c.update_template(edges=[("b/li_op/r", "a/li_op/r_in", None, {"weight": -1.0})])
    assert len(new.edges) == 2 and len(c.edges) == 1
    assert c.update_template(edges=[("b/li_op/r", "a/li_op/r_in", None, {})],
                             in_place=True) is None
    assert len(c.edges) == 2


def test_variable_positions_and_state(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    idx, names = c.get_variable_positions({"r": "all/li_op/r"})
    assert names["r"] and sorted(idx["r"]) == [0, 1]
    assert c.state == {}
    res = c.run(1.0, 0.1, outputs={"r": "all/li_op/r"}, verbose=False)
    assert set(c.state) == {"a/li_op/r", "b/li_op/r"}
    assert np.isfinite(res.to_numpy()).all()


def test_operator_update_var_and_yaml_of_node(model_file, tmp_path):
    op = OperatorTemplate("op", equations="x' = -x/tau", variables={"x": "output(1.0)",
                                                                    "tau": 2.0})
    op.update_var("tau", 4.0)
    node = NodeTemplate("nd", operators=[op])
    path = node.to_yaml(tmp_path / "nd.yaml")
    loaded = NodeTemplate.from_yaml(f"{path}/nd")
    assert loaded.get_op("op")["tau"].value == 4.0
    save(node, tmp_path / "nd2.yaml", filetype="yaml")
    save(node, tmp_path / "sub" / "nd.p", filetype="pickle")
    assert NodeTemplate.from_pickle(tmp_path / "sub" / "nd.p").name == "nd"
    with pytest.raises(ValueError, match="filetype"):
        save(node, tmp_path / "x", filetype="json")


def test_clear_and_population_placeholders(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/pair")
    c.run(0.5, 0.1, clear=False, verbose=False)
    assert c._run_cache
    clear(c)
    assert not c._run_cache
    with pytest.raises(TemplateError, match="positive integer"):
        PopulationTemplate("p", next(iter(c.nodes.values())), 0)
    with pytest.raises(TemplateError, match="matrix"):
        Connectivity("a/op/x", "b/op/y", [1.0, 2.0])


def test_clear_forgets_the_remembered_state_but_not_update_var(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    c.update_var(node_vars={"p/decay_op/x": 2.0})
    c.run(1.0, 0.1, verbose=False)
    assert c.get_var("p/decay_op/x") == pytest.approx(2.0 * 0.95 ** 10)
    clear(c)
    assert c.state == {} and c.get_var("p/decay_op/x") == 2.0
    c.run(1.0, 0.1, verbose=False)
    c.update_var(node_vars={"p/decay_op/x": 3.0})  # an explicit value beats the memory
    assert c.get_var("p/decay_op/x") == 3.0


def test_jacobian_of_decay(model_file):
    c = CircuitTemplate.from_yaml(f"{model_file}/decay")
    jac, args, _, _ = c.get_jacobian_func("jac", step_size=0.1, verbose=False)
    assert jac(*args).tolist() == [[-0.5]]  # x' = -k x + u, k = 0.5
