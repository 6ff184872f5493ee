"""Module-level helpers of the PyRates 1.x API: clearing caches, saving templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyrates_frontend.building import clear_template_cache

__all__ = ["clear", "clear_frontend_caches", "clear_ir_caches", "save"]

FILE_TYPES = ("pickle", "yaml")


def clear_ir_caches() -> None:
    """Kept for 1.x scripts: no intermediate representation outlives a run here, so there is
    nothing to forget (the backend's module cache is keyed by the generated source and stays
    valid).
    """


def clear_frontend_caches(clear_template_cache: bool = True, clear_ir_cache: bool = True) -> None:
    """Forget loaded templates and YAML files (``clear_template_cache``) and compiled
    intermediate representations (``clear_ir_cache``), e.g. after editing a YAML file.
    """
    if clear_template_cache:
        _clear_templates()
    if clear_ir_cache:
        clear_ir_caches()


_clear_templates = clear_template_cache


def clear(model: Any, **kwargs: Any) -> None:
    """Drop what ``model`` (a CircuitTemplate) keeps from its runs, then clear the frontend
    caches; ``kwargs`` go to :func:`clear_frontend_caches`.
    """
    cleaner = getattr(model, "clear", None)
    if callable(cleaner):
        cleaner()
    clear_frontend_caches(**kwargs)


def save(_obj: Any, filename: str | Path, filetype: str, **kwargs: Any) -> None:
    """Save a template to ``filename`` as ``'pickle'`` or ``'yaml'`` (PyRates 1.x)."""
    if filetype == "pickle":
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        _obj.to_pickle(filename, **kwargs)
    elif filetype == "yaml":
        _obj.to_yaml(filename, **kwargs)
    else:
        raise ValueError(f"save: unknown filetype {filetype!r}; choose one of {FILE_TYPES}")
