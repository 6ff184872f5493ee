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
