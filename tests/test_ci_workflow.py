"""The contributors' CI workflow is generated from the same package list `make test` uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _order() -> list[str]:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "pkgtool.py"), "order"],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def test_workflow_is_up_to_date():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_ci_workflow.py"),
                          "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_one_job_per_package_running_the_make_test_step():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    packages = _order()
    assert packages, "pkgtool found no package"
    for d in packages:
        job = jobs[f"pkg-{Path(d).name}"]
        commands = [s.get("run", "") for s in job["steps"]]
        assert f"PKGS={d} scripts/test_packages.sh packages" in commands
        assert len(job["strategy"]["matrix"]["python"]) >= 2
    assert {"cross", "lint", "docs"} <= set(jobs)
    assert len(jobs) == len(packages) + 3
    # the per-package step is the one `make test` runs
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/test_packages.sh packages cross lint" in makefile
