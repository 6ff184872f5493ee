"""Valid, unique Julia identifiers for IR symbols (also used as NamedTuple field names)."""

from __future__ import annotations

from pyrates_core.identifiers import Identifiers

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


def julia_identifier(name: str) -> str:
    """Julia's rule: a letter or ``_`` first, not only underscores, not the helpers' prefix."""
    if not name or not (name[0].isalpha() or name[0] == "_") or set(name) == {"_"}:
        name = "v" + name
    return "v" + name if name.startswith("pyrates_") else name


class Names(Identifiers):
    """Allocator of Julia identifiers (:class:`~pyrates_core.identifiers.Identifiers`)."""

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__(KEYWORDS | BUILTINS | reserved, julia_identifier)
