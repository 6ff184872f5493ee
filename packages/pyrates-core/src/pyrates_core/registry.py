"""Discovery of backends and template libraries through entry points.

Backends register in the entry-point group ``pyrates.backends`` (name -> factory), template
libraries in ``pyrates.templates`` (top-level name such as ``model_templates`` -> importable
package that holds the YAML files). Listing names never imports a backend.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from pyrates_core.backend import Backend
from pyrates_core.errors import BackendNotFoundError

__all__ = ["available_backends", "get_backend", "register_backend", "template_libraries"]

BACKEND_GROUP = "pyrates.backends"
TEMPLATE_GROUP = "pyrates.templates"

KNOWN_BACKENDS: dict[str, str] = {
    "numpy": "pyrates-backend-numpy",
    "jax": "pyrates-backend-jax",
    "torch": "pyrates-backend-torch",
    "tensorflow": "pyrates-backend-tensorflow",
    "julia": "pyrates-backend-julia",
    "fortran": "pyrates-backend-fortran",
    "matlab": "pyrates-backend-matlab",
}
"""Backends of the PyRates project and the distribution that provides each."""

_ALIASES = {"default": "numpy", "tf": "tensorflow", "pytorch": "torch", "octave": "matlab"}

_registered: dict[str, object] = {}
_loaded: dict[str, Backend] = {}
"""Backends loaded from their entry points (by name)."""


def _entry_points(group: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=group)}


def register_backend(name: str, factory: object) -> None:
    """Register a backend factory at run time (for tests and experiments)."""
    _registered[name] = factory


def available_backends() -> list[str]:
    """Names of the installed backends (without importing them)."""
    return sorted(set(_entry_points(BACKEND_GROUP)) | set(_registered))


@cache
def _load(name: str) -> Backend:
    if name in _registered:
        factory = _registered[name]
    else:
        factory = _entry_points(BACKEND_GROUP)[name].load()
    backend = factory() if callable(factory) else factory
    if not isinstance(backend, Backend):
        raise BackendNotFoundError(
            f"backend '{name}' does not implement the pyrates_core.backend.Backend protocol"
        )
    if name not in _registered:
        _loaded[name] = backend
    return backend


def get_backend(name: str) -> Backend:
    """Return the backend called ``name``; a clear error says how to install a missing one."""
    key = _ALIASES.get(name.lower(), name.lower()) if isinstance(name, str) else name
    if key in _loaded and key not in _registered:  # no entry-point scan on every run
        return _loaded[key]
    if key in _registered or key in _entry_points(BACKEND_GROUP):
        if key in _registered:
            _load.cache_clear()
        return _load(key)
    installed = ", ".join(available_backends()) or "none"
    if key in KNOWN_BACKENDS:
        hint = (f"Install it with `pip install {KNOWN_BACKENDS[key]}` "
                f"(or `pip install pyrates[{key}]`).")
    else:
        known = ", ".join(sorted(KNOWN_BACKENDS))
        hint = (f"Known PyRates backends: {known}; a community backend registers under "
                f"'{BACKEND_GROUP}'.")
    raise BackendNotFoundError(
        f"backend '{name}' is not installed (installed: {installed}). {hint}")


def template_libraries() -> dict[str, str]:
    """Top-level template names (e.g. ``model_templates``) -> importable package name."""
    return {name: ep.value for name, ep in _entry_points(TEMPLATE_GROUP).items()}
