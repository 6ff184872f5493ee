"""Writing generated code to disk and importing generated Python modules.

Every backend's ``load`` writes :class:`~pyrates_core.backend.GeneratedCode` below a work
folder (the main source, named after the user's ``file_name`` or a default stem, plus the
extra ``files``); Python backends then import the written module under a unique name.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pyrates_core.backend import GeneratedCode

__all__ = ["import_module_file", "source_path", "write_generated"]


def source_path(workdir: Path, file_name: str | None, default_stem: str, suffix: str) -> Path:
    """Where the main source goes: ``workdir / file_name`` (its suffix forced to ``suffix``),
    or ``workdir / (default_stem + suffix)`` without a ``file_name``.
    """
    path = Path(workdir) / (Path(file_name).name if file_name else default_stem + suffix)
    return path if path.suffix == suffix else path.with_suffix(suffix)


def write_generated(code: GeneratedCode, path: Path) -> Path:
    """Write ``code.source`` to ``path`` and each of ``code.files`` beside it; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code.source)
    for name, text in code.files.items():
        (path.parent / name).write_text(text)
    return path


def import_module_file(path: Path, module_name: str, keep: bool = False) -> ModuleType:
    """Import the Python file ``path`` as ``module_name`` (a name no other module has).

    The module is registered in ``sys.modules`` while it runs (dataclasses, numba and pickling
    look it up there) and removed afterwards unless ``keep``.
    """
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the generated module {path}: it is not a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        if not keep:
            sys.modules.pop(module_name, None)
    return module
