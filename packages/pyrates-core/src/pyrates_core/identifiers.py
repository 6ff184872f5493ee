"""Identifier mangling for generated code: unique, valid names for IR symbols.

A backend turns IR names (``p/op/v``, ``1x``...) into identifiers of its target language
with an :class:`Identifiers` allocator: non-word characters become ``_``, a language rule
(``legalize``) repairs the first character, names the generated code uses itself
(``reserved``) are never handed out, and clashes get a counter ``_2``, ``_3``... The rule of
Python (and so of NumPy, numba, JAX... code) is :func:`python_identifier`.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Iterable

__all__ = ["PYTHON_KEYWORDS", "Identifiers", "python_identifier"]

PYTHON_KEYWORDS: frozenset[str] = frozenset(keyword.kwlist)
"""Reserved words of Python, never usable as identifiers."""

_NON_WORD = re.compile(r"\W")


def python_identifier(name: str) -> str:
    """Python's first-character rule: ``''`` becomes ``'v'``, a leading digit gets ``'_'``."""
    if not name:
        return "v"
    return "_" + name if name[0].isdigit() else name


class Identifiers:
    """Allocator of unique identifiers that resemble the names they stand for.

    ``reserved``: names never returned (keywords, helpers of the generated code);
    ``legalize``: the language's rule for a word (``[A-Za-z0-9_]`` and other word characters)
    that may still start badly; ``max_length``: the longest identifier the language accepts
    (the counter suffix then replaces the tail). :attr:`used` holds every name taken so far;
    a backend may add its own names to it (``used.add``).
    """

    def __init__(self, reserved: Iterable[str] = (),
                 legalize: Callable[[str], str] = python_identifier,
                 max_length: int | None = None) -> None:
        if max_length is not None and max_length < 4:
            raise ValueError(f"max_length must be at least 4, got {max_length}")
        self.used: set[str] = set(reserved)
        self.legalize = legalize
        self.max_length = max_length

    def _fit(self, name: str, suffix: str = "") -> str:
        if self.max_length is None:
            return name + suffix
        return name[: self.max_length - len(suffix)] + suffix

    def __call__(self, base: str) -> str:
        """A fresh identifier that resembles ``base`` (and is then taken)."""
        name = self.legalize(_NON_WORD.sub("_", base))
        candidate, k = self._fit(name), 1
        while candidate in self.used:
            k += 1
            candidate = self._fit(name, f"_{k}")
        self.used.add(candidate)
        return candidate
