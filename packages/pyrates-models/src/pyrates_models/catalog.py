"""Listing of the templates in the library, read from the YAML files (no PyRates import)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["BASE_KINDS", "TEMPLATE_ROOT", "dotted_prefix", "list_templates", "locate",
           "read_file", "template_files", "template_kind"]

TEMPLATE_ROOT = Path(__file__).resolve().parent / "model_templates"
"""Folder holding the YAML template tree."""

BASE_KINDS = ("OperatorTemplate", "NodeTemplate", "EdgeTemplate", "CircuitTemplate")


def template_files() -> list[Path]:
    """All YAML files of the library, sorted by path."""
    return sorted(p for p in TEMPLATE_ROOT.rglob("*.yaml") if p.is_file())


def dotted_prefix(path: Path) -> str:
    """``model_templates.<folder>.<file>`` for a YAML file of the library."""
    rel = Path(path).resolve().relative_to(TEMPLATE_ROOT).with_suffix("")
    return ".".join(("model_templates", *rel.parts))


def read_file(path: Path) -> dict:
    """The parsed YAML document of a library file (cached while the file is unchanged; the
    result is shared, so do not modify it).
    """
    path = Path(path)
    return _parsed(path, path.stat().st_mtime_ns)


_load = read_file


@lru_cache(maxsize=256)
def _parsed(path: Path, mtime_ns: int) -> dict:
    """The YAML document at ``path`` (cached per modification time; do not mutate)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}


def locate(ref: str, current: Path) -> tuple[Path, str]:
    """File and template name that ``ref`` (local name or dotted path) points to."""
    if "." not in ref:
        return Path(current), ref
    *mods, name = ref.split(".")
    if mods[0] != "model_templates":
        raise ValueError(f"'{ref}' is not a path into the model_templates library")
    return TEMPLATE_ROOT.joinpath(*mods[1:]).with_suffix(".yaml"), name


def template_kind(name: str, path: Path) -> str:
    """Follow the ``base`` chain of a template down to one of :data:`BASE_KINDS`."""
    seen = set()
    while True:
        if (path, name) in seen:
            raise ValueError(f"cyclic base chain at {name} in {path}")
        seen.add((path, name))
        base = _load(path)[name]["base"]
        if base in BASE_KINDS:
            return base
        path, name = locate(base, path)


def list_templates() -> list[tuple[str, str]]:
    """``(dotted path, kind)`` of every template, e.g.
    ``('model_templates.neural_mass_models.qif.qif', 'CircuitTemplate')``.
    """
    found = []
    for path in template_files():
        prefix = dotted_prefix(path)
        for name in _load(path):
            if name != "aliases":
                found.append((f"{prefix}.{name}", template_kind(name, path)))
    return found
