"""Pieces of strict sympy code printers that every backend shares.

A backend's printer knows the IR functions of :mod:`pyrates_core.functions` it can print and
refuses every other function with :func:`unsupported_function` (an
:class:`~pyrates_core.errors.EquationError` naming the function and the supported ones)
instead of writing a comment into the code. IR functions that are plain calls are declared as
templates with :func:`call_templates`, e.g. ``{"maxi": "np.maximum({0}, {1})"}``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sympy as sp

from pyrates_core.errors import EquationError
from pyrates_core.functions import IR_FUNCTIONS

__all__ = ["IR_FUNCTION_NAMES", "call_templates", "unsupported_function"]

IR_FUNCTION_NAMES: frozenset[str] = frozenset(f.__name__ for f in IR_FUNCTIONS)
"""Names of all IR functions (a backend printing every one declares these as supported)."""

P = TypeVar("P", bound=type)


def unsupported_function(backend: str, expr: sp.Basic, supported: Iterable[str]
                         ) -> EquationError:
    """The error for a function the ``backend``'s printer cannot print (raise it)."""
    name = getattr(getattr(expr, "func", None), "__name__", type(expr).__name__)
    return EquationError(
        f"the {backend} backend cannot print the function '{name}' (in '{expr}'); supported "
        f"IR functions: {', '.join(sorted(supported))} plus sympy's elementary functions")


def call_templates(templates: Mapping[str, str]) -> Callable[[P], P]:
    """Class decorator giving a sympy printer one ``_print_<Name>`` method per template:
    ``{0}``, ``{1}``... stand for the printed arguments of the function ``Name``.
    """

    def method(template: str) -> Callable[[Any, sp.Expr], str]:
        def _print(self: Any, expr: sp.Expr) -> str:
            return template.format(*(self._print(arg) for arg in expr.args))
        return _print

    def decorate(cls: P) -> P:
        for name, template in templates.items():
            setattr(cls, f"_print_{name}", method(template))
        return cls

    return decorate
