"""Exceptions raised by PyRates, each naming where the problem is and how to fix it."""

from __future__ import annotations

__all__ = [
    "BackendNotFoundError",
    "DivergenceError",
    "EquationError",
    "PyRatesError",
    "SolverError",
    "TemplateError",
    "VariableNotFoundError",
]


class PyRatesError(Exception):
    """Base class of every PyRates error."""


class EquationError(PyRatesError, ValueError):
    """An equation cannot be parsed or refers to something undefined."""


class TemplateError(PyRatesError, ValueError):
    """A template cannot be found, loaded or is inconsistent."""


class VariableNotFoundError(PyRatesError, KeyError):
    """A variable path (``node/op/var``) matches nothing."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it readable
        return str(self.args[0]) if self.args else ""


class BackendNotFoundError(PyRatesError, ValueError):
    """The requested backend is not installed or unknown."""


class SolverError(PyRatesError, ValueError):
    """Unknown solver, or bad solver options."""


class DivergenceError(PyRatesError, FloatingPointError):
    """The simulation produced non-finite values."""
