"""Variable paths (``node/op/var``, ``sub/node/op/var``) and ``all`` wildcards."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from pyrates_core.errors import VariableNotFoundError

__all__ = ["match_labels", "pattern_for"]


def pattern_for(path: str) -> re.Pattern[str]:
    """Regex for a path where each ``all`` stands for any one level of the hierarchy.

    Vector-valued variables have element labels ``path[i]``; a path without index matches all.
    """
    parts = [("[^/]+" if p == "all" else re.escape(p)) for p in path.strip("/").split("/")]
    return re.compile("^" + "/".join(parts) + r"(\[\d+\])?$")


def match_labels(path: str, labels: Iterable[str], what: str = "variable",
                 context: str = "") -> list[str]:
    """All labels matched by ``path``; a clear error with suggestions if none matches."""
    labels = list(labels)
    if path in labels:
        return [path]
    pat = pattern_for(path)
    found = [lab for lab in labels if pat.match(lab)]
    if not found:
        near = difflib.get_close_matches(path, labels, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        ctx = f" in {context}" if context else ""
        raise VariableNotFoundError(
            f"{what} '{path}' not found{ctx}: paths are 'node/operator/variable' "
            f"('all' matches any node).{hint}"
        )
    return found
