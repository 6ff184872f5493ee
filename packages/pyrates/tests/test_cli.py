"""The ``pyrates`` command line, run in a subprocess as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DECAY_YAML = """
decay_op:
  base: OperatorTemplate
  equations: "d/dt * x = -x / tau + u"
  variables:
    x: output(1.0)
    u: input(0.0)
    tau: 0.5

decay_node:
  base: NodeTemplate
  operators: [decay_op]

decay:
  base: CircuitTemplate
  nodes:
    a: decay_node
"""


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyrates.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def model(tmp_path: Path) -> str:
    (tmp_path / "decay.yaml").write_text(DECAY_YAML)
    return str(tmp_path / "decay.yaml") + "/decay"


def test_run_saves_the_analytic_trajectory(tmp_path, model):
    out = _cli("run", model, "--time", "2.0", "--dt", "1e-4", "--solver", "rk4",
               "--sampling-step", "1e-2", "--output", "x=a/decay_op/x", "--save", "x.csv",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    frame = pd.read_csv(tmp_path / "x.csv", index_col=0)
    t = frame.index.to_numpy()
    assert len(t) > 100
    np.testing.assert_allclose(frame["x"].to_numpy(), np.exp(-t / 0.5), rtol=1e-8, atol=1e-10)


def test_run_with_input_file_and_plot(tmp_path, model):
    n = 10000
    np.save(tmp_path / "u.npy", np.full((n, 1), 2.0))
    out = _cli("run", model, "--time", "1.0", "--dt", "1e-4", "--solver", "heun",
               "--input", "a/decay_op/u=u.npy", "--plot", "x.png", "--save", "x.csv",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "x.png").stat().st_size > 5000
    frame = pd.read_csv(tmp_path / "x.csv", index_col=0)
    # x' = -x/tau + 2 -> x(t) = 2 tau + (1 - 2 tau) exp(-t/tau) = 1 for tau = 0.5
    np.testing.assert_allclose(frame.iloc[:, 0].to_numpy(), 1.0, atol=1e-9)


def test_show_prints_equations_and_variables(tmp_path, model):
    out = _cli("show", model, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "d/dt * x = -x / tau + u" in out.stdout
    assert "tau" in out.stdout and "0.5" in out.stdout and "node a" in out.stdout


def test_list_names_backends_and_library_templates(tmp_path):
    out = _cli("list", "--kind", "CircuitTemplate", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "numpy" in out.stdout and "capabilities" in out.stdout
    assert "model_templates.neural_mass_models.jansenrit.JRC" in out.stdout
    assert "OperatorTemplate" not in out.stdout.split("templates:")[1]


def test_export_writes_a_run_function_and_refuses_user_files(tmp_path, model):
    out = _cli("export", model, "--backend", "numpy", "--out", "rhs.py", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = (tmp_path / "rhs.py").read_text()
    assert "def rhs(" in text
    (tmp_path / "mine.py").write_text("print('my own script')\n")
    out = _cli("export", model, "--out", "mine.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "mine.py" in out.stderr and "not written by PyRates" in out.stderr
    assert (tmp_path / "mine.py").read_text() == "print('my own script')\n"


def test_user_errors_are_one_line_messages(tmp_path, model):
    out = _cli("run", model, "--time", "1", "--dt", "1e-3", "--output", "novalue", cwd=tmp_path)
    assert out.returncode == 2 and "NAME=VALUE" in out.stderr and "Traceback" not in out.stderr
    out = _cli("run", model, "--time", "1", "--dt", "1e-3", "--input", "a/decay_op/u=nofile.npy",
               cwd=tmp_path)
    assert out.returncode == 2 and "nofile.npy" in out.stderr
    out = _cli("run", model, "--time", "1", "--dt", "1e-3", "--save", "x.txt", cwd=tmp_path)
    assert out.returncode == 2 and ".csv or .parquet" in out.stderr


def test_help_everywhere(tmp_path):
    for cmd in ([], ["run"], ["show"], ["list"], ["export"]):
        out = _cli(*cmd, "--help", cwd=tmp_path)
        assert out.returncode == 0 and "usage: pyrates" in out.stdout
