"""Building templates from YAML definitions (with ``base`` inheritance) and caching them."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pyrates_core.errors import TemplateError
from pyrates_frontend.loader import clear_file_cache, load_yaml_file, resolve_path

__all__ = [
    "clear_template_cache",
    "register_template_class",
    "resolve_template",
    "template_class",
    "template_from_dict",
    "template_from_path",
]

_cache: dict[tuple[Path, str], Any] = {}
_building: list[tuple[Path, str]] = []

_KEYS = {
    "OperatorTemplate": {"base", "description", "equations", "variables"},
    "NodeTemplate": {"base", "description", "operators"},
    "EdgeTemplate": {"base", "description", "operators"},
    "CircuitTemplate": {"base", "description", "nodes", "circuits", "edges"},
}


def clear_template_cache() -> None:
    """Forget all templates and files loaded so far."""
    _cache.clear()
    clear_file_cache()


_classes_by_kind: dict[str, type[Any]] = {}
"""The template classes a YAML ``base`` may name, filled by the modules that define them
(:mod:`pyrates_frontend.templates`, :mod:`pyrates_frontend.circuit`), so that this module
needs none of them (they sit above it)."""


def register_template_class(cls: type) -> type:
    """Make ``cls`` the class that YAML ``base: <cls.kind>`` builds; returns ``cls``."""
    kind = getattr(cls, "kind", None)
    if kind not in _KEYS:
        raise TemplateError(f"register_template_class: {cls.__name__}.kind is {kind!r}; it must "
                            f"be one of {', '.join(_KEYS)}")
    _classes_by_kind[kind] = cls
    return cls


def template_class(kind: str) -> type[Any]:
    """The template class registered for ``kind`` (e.g. ``'CircuitTemplate'``)."""
    try:
        return _classes_by_kind[kind]
    except KeyError:
        raise TemplateError(
            f"no template class is registered for {kind!r} (registered: "
            f"{', '.join(_classes_by_kind) or 'none'}); import pyrates_frontend, whose "
            "modules register OperatorTemplate, NodeTemplate, EdgeTemplate and "
            "CircuitTemplate") from None


def _classes() -> dict[str, type]:
    return {kind: template_class(kind) for kind in _KEYS}


def template_from_path(path: str, relative_to: Path | None = None) -> Any:
    """Load the template at ``path`` (see :mod:`pyrates_frontend.loader`), cached."""
    file, name = resolve_path(path, relative_to)
    key = (file.resolve(), name)
    if key in _cache:
        return _cache[key]
    if key in _building:
        chain = " -> ".join(n for _, n in _building + [key])
        raise TemplateError(f"circular 'base' inheritance in {file}: {chain}")
    data = load_yaml_file(file)
    if name not in data:
        raise TemplateError(
            f"template '{name}' is not defined in {file}. Defined there: "
            f"{', '.join(sorted(data))}.{_suggest(name, data)}"
        )
    dotted = path if "." in path or "/" in path else f"{file.stem}.{name}"
    _building.append(key)
    try:
        tpl = template_from_dict(name, data[name], file, dotted)
    finally:
        _building.pop()
    _cache[key] = tpl
    return tpl


def _suggest(word: str, options: Any) -> str:
    match = difflib.get_close_matches(word, list(options), n=3)
    return f" Did you mean {', '.join(repr(m) for m in match)}?" if match else ""


def template_from_dict(name: str, spec: Any, file: Path | None, path: str) -> Any:
    """Build a template from its YAML mapping; ``base`` is a class name or another template."""
    where = f"template '{name}' in {file}" if file else f"template '{name}'"
    if not isinstance(spec, dict) or "base" not in spec:
        raise TemplateError(f"{where} needs a 'base' entry (e.g. 'base: OperatorTemplate')")
    base = spec["base"]
    classes = _classes()
    if base in classes:
        kind = base
        parent = None
    elif isinstance(base, str) and "." not in base and "/" not in base and \
            _suggest(base, classes) and (file is None or base not in load_yaml_file(file)):
        raise TemplateError(f"{where}: unknown base '{base}'.{_suggest(base, classes)} A base is "
                            f"one of {', '.join(classes)} or the path of another template.")
    else:
        parent = template_from_path(str(base), file)
        kind = parent.kind
    unknown = set(spec) - _KEYS[kind]
    if unknown:
        hints = "".join(_suggest(u, _KEYS[kind]) for u in sorted(unknown))
        raise TemplateError(f"{where}: unknown key(s) {sorted(unknown)} for a {kind} "
                            f"(allowed: {sorted(_KEYS[kind])}).{hints}")
    kwargs = {k: v for k, v in spec.items() if k != "base"}
    if "operators" in kwargs or "nodes" in kwargs or "circuits" in kwargs or "edges" in kwargs:
        kwargs = _resolve_refs(kwargs, file)
    try:
        if parent is None:
            return classes[kind](name=name, path=path, **kwargs)
        return parent.update_template(name=name, path=path, **kwargs)
    except TemplateError as err:
        if str(file) in str(err):
            raise
        raise TemplateError(f"{where}: {err}") from err


def _resolve_refs(kwargs: dict[str, Any], file: Path | None) -> dict[str, Any]:
    out = dict(kwargs)
    ops = kwargs.get("operators")
    if isinstance(ops, list):
        out["operators"] = [_ref(o, file) for o in ops]
    elif isinstance(ops, dict):
        out["operators"] = {_ref(o, file): ch for o, ch in ops.items()}
    for key in ("nodes", "circuits"):
        if isinstance(kwargs.get(key), dict):
            out[key] = {lab: _ref(t, file) for lab, t in kwargs[key].items()}
    if isinstance(kwargs.get("edges"), list):
        edges = []
        for e in kwargs["edges"]:
            e = list(e) if isinstance(e, (list, tuple)) else e
            if isinstance(e, list) and len(e) >= 3 and isinstance(e[2], str):
                e[2] = _ref(e[2], file)
            edges.append(e)
        out["edges"] = edges
    return out


def _ref(ref: Any, file: Path | None) -> Any:
    if isinstance(ref, str):
        return template_from_path(ref, file)
    return ref


def resolve_template(ref: Any, cls: type, where: str) -> Any:
    """A template object from a template or a path string, checked to be of class ``cls``."""
    tpl = template_from_path(ref) if isinstance(ref, str) else ref
    if not isinstance(tpl, cls):
        raise TemplateError(f"{where}: expected a {cls.__name__}, got {tpl!r}")
    return tpl
