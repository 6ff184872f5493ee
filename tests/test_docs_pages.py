"""Documentation pages that restate facts of the code stay in step with it."""

from __future__ import annotations

import re
from pathlib import Path

from pyrates_core.functions import EQUATION_FUNCTIONS

ROOT = Path(__file__).resolve().parent.parent


def test_functions_page_lists_every_equation_function():
    page = (ROOT / "docs" / "functions.md").read_text()
    documented = set(re.findall(r"`([a-z_]+)(?:\(|`)", page))
    missing = sorted(set(EQUATION_FUNCTIONS) - documented)
    assert not missing, f"docs/functions.md does not mention {missing}"
    unknown = sorted(n for n in documented - set(EQUATION_FUNCTIONS)
                     if n not in {"pi", "t", "x", "tau", "a", "b", "xp", "fp", "k", "i", "numpy"})
    assert not unknown, f"docs/functions.md lists {unknown}, which equations do not accept"


def test_every_nav_page_exists():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from pages(v)
        elif isinstance(node, list):
            for v in node:
                yield from pages(v)

    for page in pages(config["nav"]):
        if page.startswith("generated/"):
            continue
        assert (ROOT / "docs" / page).is_file(), page


def _installed_backends() -> dict:
    from importlib.metadata import entry_points

    return {ep.name: ep.load() for ep in entry_points(group="pyrates.backends")}


def test_every_installed_backend_has_a_page_with_its_solvers_and_options():
    """Each backend page names every solver, solver option, backend option and capability
    of the class, and the overview table has a row for it linking to that page.
    """
    import yaml

    index = (ROOT / "docs" / "backends" / "index.md").read_text()
    nav = (ROOT / "mkdocs.yml").read_text()
    config = yaml.safe_load(nav)
    backends = _installed_backends()
    assert "numpy" in backends
    for name, cls in backends.items():
        page = ROOT / "docs" / "backends" / f"{name}.md"
        assert page.is_file(), f"no page docs/backends/{name}.md for the installed backend"
        assert f"backends/{name}.md" in nav, f"docs/backends/{name}.md is not in the nav"
        text = page.read_text()
        specs = cls.solver_specs if hasattr(cls, "solver_specs") else cls().solver_specs
        for spec in specs:
            assert f"`{spec.name}`" in text, f"{name}.md does not name solver {spec.name}"
            for opt in spec.options:
                assert f"`{opt.name}`" in text, f"{name}.md does not name option {opt.name}"
        caps = cls().capabilities
        for cap in caps:
            assert f"`{cap}`" in text, f"{name}.md does not name capability {cap}"
        for opt in cls.option_specs:
            assert f"`{opt.name}`" in text, f"{name}.md does not name option {opt.name}"
        row = next((line for line in index.splitlines() if line.startswith(f"| `{name}` |")),
                   None)
        assert row is not None, f"backends/index.md has no table row for {name}"
        assert f"({name}.md)" in row
        listed = set(re.findall(r"[a-z_0-9]+", row.split("|")[3]))
        assert listed == {s.name for s in specs}, (name, listed)
    assert "Coming from PyRates 1.x" in str(config["nav"])


def test_capability_table_agrees_with_the_backends():
    """A 'yes' cell of the capability table is a declared capability, a 'no' cell is not."""
    index = (ROOT / "docs" / "backends" / "index.md").read_text()
    lines = [line for line in index.splitlines() if line.startswith("| ")]
    header = next(line for line in lines if line.startswith("| capability |"))
    columns = [c.strip() for c in header.strip("|").split("|")][1:]
    backends = _installed_backends()
    assert set(backends) <= set(columns), f"capability table lacks {set(backends) - set(columns)}"
    checked = 0
    for line in lines[lines.index(header) + 2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        caps = re.findall(r"`([a-z_]+)`", cells[0])
        for name, cell in zip(columns, cells[1:], strict=True):
            if name not in backends or not cell.startswith(("yes", "no")):
                continue
            declared = backends[name]().capabilities
            for cap in caps:
                assert (cap in declared) == cell.startswith("yes"), (name, cap, cell)
                checked += 1
    assert checked >= 40
