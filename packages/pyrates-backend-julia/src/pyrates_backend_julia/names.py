"""Valid, unique Julia identifiers for IR symbols (also used as NamedTuple field names)."""

from __future__ import annotations

import re

__all__ = ["Names"]

KEYWORDS = frozenset(
    "baremodule begin break catch const continue do else elseif end export false finally for "
    "function global if import let local macro module quote return struct true try using while "
    "abstract mutable primitive type where in isa outer public".split()
)
"""Reserved words of Julia."""

BUILTINS = frozenset(
    "abs angle conj cos cosh exp fill floor identity ifelse imag im length log max min nothing "
    "pi real round sign sin sinh size sparse sqrt sum tan tanh vcat zeros ones copy merge "
    "Inf NaN e".split()
)
"""Functions and constants the generated code calls: model names never shadow them."""


class Names:
    """Allocator of identifiers: a letter or ``_`` first, then ``[A-Za-z0-9_]``."""

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        self.used: set[str] = set(KEYWORDS) | set(BUILTINS) | set(reserved)

    def __call__(self, base: str) -> str:
        """A fresh identifier that resembles ``base``."""
        name = re.sub(r"\W", "_", base)
        if not name or not (name[0].isalpha() or name[0] == "_") or set(name) == {"_"}:
            name = "v" + name
        if name.startswith("pyrates_"):  # the prefix of the generated helpers
            name = "v" + name
        candidate, k = name, 1
        while candidate in self.used:
            k += 1
            candidate = f"{name}_{k}"
        self.used.add(candidate)
        return candidate
