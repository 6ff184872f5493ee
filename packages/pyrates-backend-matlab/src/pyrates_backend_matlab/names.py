"""Valid, unique MATLAB/Octave identifiers for IR symbols (also used as struct field names)."""

from __future__ import annotations

import re

__all__ = ["Names"]

MAX_LENGTH = 63
"""``namelengthmax`` of MATLAB and Octave."""

KEYWORDS = frozenset(
    "break case catch classdef continue do else elseif end end_try_catch end_unwind_protect "
    "endclassdef endenumeration endevents endfor endfunction endif endmethods endparfor "
    "endproperties endswitch endwhile enumeration events for function global if methods "
    "otherwise parfor persistent properties return spmd switch try until unwind_protect "
    "unwind_protect_cleanup while".split()
)
"""Reserved words of both languages."""

BUILTINS = frozenset(
    "abs accumarray acos angle asin atan ceil conj cos cosh e eps exp floor i imag inf interp1 "
    "j log max mean min nan numel ones pi real round sign sin sinh size sparse sqrt sum tan tanh "
    "zeros true false ans nargin nargout struct isfield fieldnames error".split()
)
"""Functions and constants the generated code calls: model names never shadow them."""


class Names:
    """Allocator of identifiers: letters first, ``[A-Za-z0-9_]``, at most 63 characters."""

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        self.used: set[str] = set(KEYWORDS) | set(BUILTINS) | set(reserved)

    def __call__(self, base: str) -> str:
        """A fresh identifier that resembles ``base``."""
        name = re.sub(r"\W", "_", base)
        if not name or not name[0].isalpha():
            name = "v" + name
        name = name[:MAX_LENGTH]
        candidate, k = name, 1
        while candidate in self.used:
            k += 1
            suffix = f"_{k}"
            candidate = name[: MAX_LENGTH - len(suffix)] + suffix
        self.used.add(candidate)
        return candidate
