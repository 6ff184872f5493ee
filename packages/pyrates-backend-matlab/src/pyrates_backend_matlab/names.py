"""Valid, unique MATLAB/Octave identifiers for IR symbols (also used as struct field names)."""

from __future__ import annotations

from pyrates_core.identifiers import Identifiers

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


def matlab_identifier(name: str) -> str:
    """MATLAB's rule: a letter first."""
    return name if name and name[0].isalpha() else "v" + name


class Names(Identifiers):
    """Allocator of MATLAB identifiers of at most 63 characters (see
    :class:`~pyrates_core.identifiers.Identifiers`).
    """

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__(KEYWORDS | BUILTINS | reserved, matlab_identifier, MAX_LENGTH)
