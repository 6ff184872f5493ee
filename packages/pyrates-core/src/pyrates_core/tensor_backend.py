"""Framework-neutral steps of the tensor backends' ``generate`` and ``load``.

:func:`check_backend_options` validates ``CodegenOptions.extra`` against a backend's
``option_specs`` (including the shared ``checkpoint`` option); :func:`import_generated` writes
a generated Python module below the work directory and imports it under a unique name.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from pyrates_core.backend import OptionSpec
from pyrates_core.errors import SolverError

__all__ = ["check_backend_options", "import_generated"]


def check_backend_options(backend: str, specs: tuple[OptionSpec, ...], extra: dict[str, Any]
                          ) -> None:
    """Raise for unknown options, values of the wrong type, or a ``checkpoint`` below 1."""
    unknown = set(extra) - {o.name for o in specs}
    if unknown:
        raise SolverError(f"unknown option(s) for the {backend} backend: {sorted(unknown)}; "
                          f"known: {[o.name for o in specs]}")
    for spec in specs:
        if spec.name in extra:
            spec.check(extra[spec.name], f"the {backend} backend")
    ckpt = extra.get("checkpoint")
    if ckpt is not None and ckpt < 1:
        raise SolverError(f"checkpoint must be a positive number of steps per segment, got "
                          f"{ckpt} (or None to switch it off)")


def import_generated(source: str, workdir: Path, prefix: str, suffix: str = ".py",
                     file_name: str | None = None) -> tuple[ModuleType, Path]:
    """Write ``source`` below ``workdir`` (``{prefix}_{digest}{suffix}`` unless ``file_name``)
    and import it as a fresh module (not left in ``sys.modules``).
    """
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    path = Path(workdir) / (file_name or f"{prefix}_{digest}{suffix}")
    path.write_text(source)
    mod_name = f"_{prefix}_{digest}_{time.monotonic_ns()}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has one
        raise ImportError(f"cannot import the generated module {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.pop(mod_name, None)
    return module, path
