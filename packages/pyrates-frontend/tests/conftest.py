"""Shared fixtures: a scratch directory as working directory, and small YAML model files."""

import os
import textwrap

import pytest

from pyrates_frontend import clear_frontend_caches

LINEAR = textwrap.dedent("""
    %YAML 1.2
    ---
    decay_op:
      base: OperatorTemplate
      equations: "d/dt * x = -k*x + u"
      variables:
        x: output(1.0)
        k: 0.5
        u: input(0.0)
    decay_node:
      base: NodeTemplate
      operators: [decay_op]
    decay:
      base: CircuitTemplate
      nodes: {p: decay_node}
    li_op:
      base: OperatorTemplate
      equations: "r' = -r/tau + r_in"
      variables: {r: output(0.0), tau: 1.0, r_in: input(0.0)}
    li_node:
      base: NodeTemplate
      operators: [li_op]
    pair:
      base: CircuitTemplate
      nodes: {a: li_node, b: li_node}
      edges:
        - [a/li_op/r, b/li_op/r_in, null, {weight: 2.0}]
    derived_op:
      base: decay_op
      equations:
        replace: {u: (u + c)}
      variables: {c: 0.25, k: 2.0}
""")


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    """Run each test in its own empty directory and assert nothing is left behind there."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    clear_frontend_caches()
    yield
    clear_frontend_caches()
    leftovers = [p for p in os.listdir(work) if not p.startswith("user_")]
    assert leftovers == [], f"files left in the working directory: {leftovers}"


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "models" / "linear.yaml"
    path.parent.mkdir()
    path.write_text(LINEAR)
    return path
