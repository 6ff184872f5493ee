"""Checks of the YAML library that need no simulation: format, comments, references,
equations, docs, and that docs/templates.md is generated from the current files."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import sympy as sp

from pyrates_core.equations import parse_equation
from pyrates_models import list_templates
from pyrates_models.catalog import TEMPLATE_ROOT, dotted_prefix, read_file, template_files
from pyrates_models.catalog import locate as _locate

PKG = Path(__file__).resolve().parents[1]
FILES = template_files()
IDS = [str(p.relative_to(TEMPLATE_ROOT)) for p in FILES]


def test_package_layout_is_importable():
    root = TEMPLATE_ROOT
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        assert (folder / "__init__.py").is_file(), f"{folder} is not a Python package"
    import pyrates_models

    assert {p.resolve() for p in pyrates_models.template_files()} == {p.resolve() for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_yaml_header_and_template_comments(path):
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "%YAML 1.2" and lines[1] == "---"
    header = []
    for line in lines[2:]:
        if not line.startswith("#"):
            break
        header.append(line)
    assert len(header) >= 5, "the file needs a header comment (model, equations, references)"
    assert any("Reference" in h for h in header)
    doc = read_file(path)
    for name in doc:
        if name == "aliases":
            continue
        idx = lines.index(f"{name}:")
        assert lines[idx - 1].startswith("# "), f"template '{name}' lacks its one-line comment"


def _resolved_operator(ref: str, current: Path) -> tuple[list[str], dict]:
    file, name = _locate(ref, current)
    d = read_file(file)[name]
    if d["base"] == "OperatorTemplate":
        eqs = d["equations"]
        return ([eqs] if isinstance(eqs, str) else list(eqs)), dict(d.get("variables") or {})
    eqs, variables = _resolved_operator(d["base"], file)
    change = d.get("equations") or {}
    for old, new in (change.get("replace") or {}).items():
        left = r"(?<![\w.])" if re.match(r"\w", str(old)) else ""
        right = r"(?![\w])" if re.search(r"\w$", str(old)) else ""
        pattern = left + re.escape(str(old)) + right
        hits = [e for e in eqs if re.search(pattern, e)]
        assert hits, f"replacement key '{old}' of {ref} matches no equation"
        eqs = [re.sub(pattern, lambda _m, n=str(new): n, e) for e in eqs]
    for rem in change.get("remove") or []:
        eqs.remove(rem)
    eqs += list(change.get("add") or [])
    variables.update(d.get("variables") or {})
    return eqs, variables


OPERATORS = [(p, k) for p, k in list_templates() if k == "OperatorTemplate"]


@pytest.mark.parametrize("path", [p for p, _ in OPERATORS])
def test_operator_equations_parse(path):
    prefix, name = path.rsplit(".", 1)
    file = TEMPLATE_ROOT.joinpath(*prefix.split(".")[1:]).with_suffix(".yaml")
    eqs, variables = _resolved_operator(name, file)
    symbols = {v: sp.Symbol(v) for v in variables}
    defined = [parse_equation(e, symbols, path).lhs for e in eqs]
    assert len(defined) == len(set(defined)), "a variable is defined twice"
    kinds = {v: (str(d).split("(")[0] if isinstance(d, str) else "constant")
             for v, d in variables.items()}
    # at most one output per operator (PyRates 1.x allows none, e.g. test_backend.op3)
    assert sum(k == "output" for k in kinds.values()) <= 1, "more than one output"
    for var in defined:
        assert kinds[var] in ("output", "variable"), f"{var} is defined but declared {kinds[var]}"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_references_resolve(path):
    doc = read_file(path)
    for name, d in doc.items():
        if name == "aliases":
            continue
        refs = [] if d["base"] in ("OperatorTemplate", "NodeTemplate", "EdgeTemplate",
                                   "CircuitTemplate") else [d["base"]]
        ops = d.get("operators") or []
        refs += list(ops if isinstance(ops, list) else ops.keys())
        refs += list((d.get("nodes") or {}).values()) + list((d.get("circuits") or {}).values())
        refs += [e[2] for e in d.get("edges") or [] if e[2] is not None]
        for ref in refs:
            file, tname = _locate(ref, path)
            assert file.is_file(), f"{name}: file of '{ref}' missing"
            assert tname in read_file(file), \
                f"{name}: '{ref}' not found"


# doc pages not named after their YAML file (docs/templates.md is the generated table)
DOC_PAGES = {"CNS_2019_Tutorial/templates.yaml": "cns_2019_tutorial.md"}


def test_every_model_file_has_a_doc_page():
    for path in FILES:
        if path.name == "base_templates.yaml":
            continue
        rel = path.relative_to(TEMPLATE_ROOT).as_posix()
        page = PKG / "docs" / DOC_PAGES.get(rel, f"{path.stem}.md")
        assert page.is_file(), f"missing {page}"
        text = page.read_text(encoding="utf-8")
        assert dotted_prefix(path) in text, f"{page.name} does not show the template path"
        assert "from_yaml" in text and "Reference" in text


def test_template_table_is_up_to_date():
    spec = importlib.util.spec_from_file_location(
        "make_template_table", PKG / "scripts" / "make_template_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render_table(TEMPLATE_ROOT)
    current = (PKG / "docs" / "templates.md").read_text(encoding="utf-8")
    assert current == expected, "run scripts/make_template_table.py to refresh docs/templates.md"
    for path, _ in list_templates():
        assert f"`{path}`" in current
