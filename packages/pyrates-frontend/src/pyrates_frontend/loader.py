"""Finding template definitions: template paths, YAML files, template libraries, caching.

A template path is one of

* ``model_templates.neural_mass_models.jansenrit.JRC``: dotted; the first part is a template
  library registered under the entry-point group ``pyrates.templates`` (``model_templates`` is
  provided by ``pyrates-models``), an importable Python package, or a folder below the current
  directory; the last part is the template name, the parts before it the YAML file.
* ``path/to/file.yaml/JRC`` or ``path/to/file/JRC``: a file path and the template name.
* ``JRC``: a template defined in the same YAML file as the template that refers to it.
"""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pyrates_core.errors import TemplateError
from pyrates_core.registry import template_libraries

__all__ = ["clear_file_cache", "load_yaml_file", "resolve_path"]

_SUFFIXES = (".yaml", ".yml")
_file_cache: dict[Path, dict[str, Any]] = {}


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Plain YAML lets the last of two equal keys win silently; in a template file that merges
    two templates, or two nodes of a circuit, into one without a word.
    """


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode,
                                deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"key '{key}' is given twice in one mapping (first on line {seen[key] + 1}); "
                "rename one of them or merge their entries", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _mapping_without_duplicates)


def clear_file_cache() -> None:
    """Forget every YAML file read so far."""
    _file_cache.clear()


def load_yaml_file(path: Path) -> dict[str, Any]:
    """Read (and cache) a YAML template file; errors name the file and line."""
    path = path.resolve()
    if path not in _file_cache:
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.load(fh, Loader=_StrictLoader) or {}  # a SafeLoader subclass
        except yaml.YAMLError as err:
            raise TemplateError(f"YAML syntax error in {path}: {err}") from err
        if not isinstance(data, dict):
            raise TemplateError(f"{path} must contain a mapping of template names to templates")
        data.pop("aliases", None)
        _file_cache[path] = data
    return _file_cache[path]


def _with_suffix(base: Path) -> Path | None:
    if base.suffix in _SUFFIXES and base.is_file():
        return base
    for suffix in _SUFFIXES:
        cand = base.with_name(base.name + suffix)
        if cand.is_file():
            return cand
    return None


def _library_dir(top: str) -> Path | None:
    libs = template_libraries()
    target = libs.get(top)
    if target is None:
        spec = importlib.util.find_spec(top) if top.isidentifier() else None
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(str(resources.files(target)))


def resolve_path(path: str, relative_to: Path | None = None) -> tuple[Path, str]:
    """Turn a template path into ``(yaml file, template name)``; clear error if not found."""
    if not isinstance(path, str) or not path.strip():
        raise TemplateError(f"invalid template path {path!r}")
    path = path.strip()
    tried: list[str] = []
    direct = Path(path)
    if direct.suffix in _SUFFIXES and direct.is_file():
        names = ", ".join(sorted(load_yaml_file(direct))) or "none"
        raise TemplateError(
            f"template path '{path}' names a file but no template: add the template name, "
            f"e.g. '{path}/{next(iter(sorted(load_yaml_file(direct))), 'Name')}' "
            f"(templates in that file: {names})")
    if "/" in path or "\\" in path:
        file_part, _, name = path.replace("\\", "/").rpartition("/")
        for root in ([relative_to.parent] if relative_to else []) + [Path.cwd()]:
            found = _with_suffix(root / file_part)
            tried.append(str(root / file_part) + "[.yaml|.yml]")
            if found:
                return found, name
    elif "." not in path:
        if relative_to is not None:
            return relative_to, path
        raise TemplateError(
            f"template path '{path}' names no file: write 'package.file.{path}' or "
            f"'path/to/file.yaml/{path}'"
        )
    else:
        parts = path.split(".")
        name, mod = parts[-1], parts[:-1]
        candidates: list[Path] = []
        lib = _library_dir(mod[0])
        if lib is not None:
            candidates.append(lib.joinpath(*mod[1:]))
        if relative_to is not None:
            candidates.append(relative_to.parent.joinpath(*mod))
        candidates.append(Path.cwd().joinpath(*mod))
        for cand in candidates:
            tried.append(str(cand) + "[.yaml|.yml]")
            found = _with_suffix(cand)
            if found:
                return found, name
    libs = ", ".join(sorted(template_libraries())) or "none installed"
    raise TemplateError(
        f"template '{path}' not found. Looked for: {'; '.join(tried)}. "
        f"Template libraries: {libs} (pip install pyrates-models provides 'model_templates')."
    )
