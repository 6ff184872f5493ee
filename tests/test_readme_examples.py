"""The README's examples do what the README says, pasted as they are."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from pyrates import CircuitTemplate, clear_frontend_caches

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _block(lang: str, after: str) -> str:
    start = README.index(after)
    match = re.compile(rf"```{lang}\n(.*?)```", re.S).search(README, start)
    assert match, f"no ```{lang} block after {after!r} in README.md"
    return match.group(1)


def test_quick_start_prints_and_saves(tmp_path):
    script = tmp_path / "quick.py"
    script.write_text(_block("python", "## Quick start"))
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "plot saved to jrc.png" in out.stdout and "mean" in out.stdout
    assert (tmp_path / "jrc.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jrc.png", "quick.py"]


def test_yaml_example_gives_a_nontrivial_trajectory(tmp_path):
    (tmp_path / "model.yaml").write_text(_block("yaml", "## Templates in YAML"))
    clear_frontend_caches()
    net = CircuitTemplate.from_yaml(str(tmp_path / "model.yaml") + "/two_nodes")
    res = net.run(simulation_time=30.0, step_size=1e-3, sampling_step_size=1e-2,
                  outputs={"a": "a/li_op/r", "b": "b/li_op/r"}, solver="rk4", verbose=False)
    # fixed point: r_b = r0 + 2 r_a and r_a = r0 - r_b (delays do not move it) -> (0, 1)
    assert res["b"].max() > 0.5 and res["a"].max() > 0.3
    np.testing.assert_allclose(res.iloc[-1].to_numpy(), [0.0, 1.0], atol=1e-2)
    from pyrates import OperatorTemplate

    slow = OperatorTemplate.from_yaml(str(tmp_path / "model.yaml") + "/slow_li_op")
    assert float(slow["tau"].value) == 10.0
