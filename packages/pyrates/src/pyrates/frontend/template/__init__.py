"""Alias of PyRates 1.x's ``pyrates.frontend.template``: template classes and loading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyrates_frontend import (
    CircuitTemplate,
    Connectivity,
    EdgeTemplate,
    NodeTemplate,
    OperatorTemplate,
    PopulationTemplate,
)
from pyrates_frontend.building import clear_template_cache, template_from_path

__all__ = [
    "CircuitTemplate",
    "Connectivity",
    "EdgeTemplate",
    "NodeTemplate",
    "OperatorTemplate",
    "PopulationTemplate",
    "clear_cache",
    "from_yaml",
    "template_cache",
    "to_yaml",
]


class _TemplateCache(dict):
    """Stand-in for 1.x's ``template_cache`` dict: ``clear()`` forgets every loaded template."""

    def clear(self) -> None:
        """Forget all loaded templates and YAML files."""
        clear_template_cache()


template_cache = _TemplateCache()


def from_yaml(path: str) -> Any:
    """Load any template (operator, node, edge or circuit) by its path."""
    tpl = template_from_path(path)
    return CircuitTemplate.from_yaml(path) if isinstance(tpl, CircuitTemplate) else tpl


def to_yaml(template: Any, path: str | Path, **kwargs: Any) -> Path:
    """Save ``template`` to the YAML file ``path``."""
    return template.to_yaml(path, **kwargs)


def clear_cache() -> None:
    """Forget all loaded templates and YAML files."""
    clear_template_cache()
