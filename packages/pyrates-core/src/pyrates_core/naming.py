"""Short, unique backend identifiers for frontend variables."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

__all__ = ["sanitize", "unique_names"]

_BAD = re.compile(r"\W")
RESERVED_IDENTIFIERS = {
    # names that clash with generated code in some backend or with sympy/numpy
    "t", "y", "dy", "np", "numpy", "pi", "I", "E", "S", "N", "Q", "O", "end", "function",
    "in", "if", "for", "do", "real", "complex", "integer", "result", "sum", "abs", "exp",
    "log", "max", "min", "round", "sign", "sqrt", "nargin", "i", "j", "e", "inf", "nan",
}


def sanitize(text: str) -> str:
    """Turn an arbitrary label into a valid identifier (letters, digits, underscores)."""
    name = _BAD.sub("_", text).strip("_") or "x"
    if name[0].isdigit():
        name = "v_" + name
    return name


def _ok(name: str, taken: set[str]) -> bool:
    return (name not in taken and name not in RESERVED_IDENTIFIERS
            and not keyword.iskeyword(name) and not name.startswith("_"))


def unique_names(keys: Iterable[tuple[str, ...]], taken: Iterable[str] = ()) -> dict[tuple, str]:
    """Give each key ``(var, op, group, ...)`` the shortest unique identifier.

    Candidates are tried from the most specific part outwards: ``var``, ``var_op``,
    ``var_op_group``...; a counter is appended as a last resort. The result is deterministic.
    """
    keys = list(keys)
    used = set(taken)
    out: dict[tuple, str] = {}
    for depth in range(1, max((len(k) for k in keys), default=1) + 1):
        candidates: dict[str, list[tuple]] = {}
        for k in keys:
            if k in out:
                continue
            cand = sanitize("_".join(k[:depth]))
            candidates.setdefault(cand, []).append(k)
        for cand, owners in candidates.items():
            if len(owners) == 1 and _ok(cand, used):
                out[owners[0]] = cand
                used.add(cand)
    for k in keys:
        if k not in out:
            base = sanitize("_".join(k)) or "x"
            if not base[0].isalpha():
                base = "v" + base
            n = 1
            while not _ok(f"{base}_{n}", used):
                n += 1
            out[k] = f"{base}_{n}"
            used.add(out[k])
    return out
