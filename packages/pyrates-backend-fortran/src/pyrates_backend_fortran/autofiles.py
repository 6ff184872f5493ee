"""Reading AUTO-07p's output: the branch file (``fort.7`` / ``b.*``) as a pandas DataFrame.

Each branch in a ``fort.7`` file starts with a header block (lines whose first field is 0);
its last line names the columns (``PT TY LAB <par> L2-NORM <u...>``, periodic solutions
``MAX <u>`` and ``PERIOD``), separated by two or more blanks. Data lines hold ``BR PT TY LAB``
and the values; a negative ``PT`` marks a stable solution, ``TY`` is AUTO's point type code.
The solution file (``fort.8`` / ``s.*``) is kept as text: it is only handed back to AUTO as
``fort.3`` to restart from a labelled point.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["POINT_TYPES", "parse_branches", "point_type"]

POINT_TYPES: dict[int, str] = {
    1: "BP", 2: "LP", 3: "HB", 4: "RG", -4: "UZ", 5: "LP", 6: "BP", 7: "PD", 8: "TR",
    9: "EP", -9: "MX", -1: "BT", -2: "CP", -3: "ZH", -32: "GH", -5: "R1", -6: "R2", -7: "R3",
    -8: "R4",
}
"""AUTO-07p point type codes (``TY``) and their short names; 0 is an unlabelled point."""

_SPLIT = re.compile(r"\s{2,}")


def point_type(code: int) -> str:
    """Short name of an AUTO point type code ('' for an unlabelled point)."""
    if code == 0:
        return ""
    if code not in (-32,):
        code = code % 10 if code >= 0 else -((-code) % 10)
    return POINT_TYPES.get(code, f"TY{code}")


def parse_branches(text: str) -> pd.DataFrame:
    """All points of a ``fort.7`` text, one row each.

    Columns: ``branch`` (BR), ``point`` (|PT|), ``type`` (short name, '' if none),
    ``label`` (LAB, 0 if none), ``stable`` (PT < 0), then AUTO's value columns.
    """
    rows: list[dict[str, object]] = []
    names: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        first = line.split(None, 1)[0]
        if first == "0":
            body = line.strip()[1:].strip()
            if body.startswith("PT") and "TY" in body and "LAB" in body:
                names = _SPLIT.split(body)[3:]
            continue
        fields = line.split()
        if len(fields) < 4 + len(names):
            continue
        br, pt, ty, lab = (int(v) for v in fields[:4])
        values = [_auto_float(v) for v in fields[4:4 + len(names)]]
        row: dict[str, object] = {"branch": br, "point": abs(pt), "type": point_type(ty),
                                  "label": lab, "stable": pt < 0}
        row.update(zip(names, values))
        rows.append(row)
    return pd.DataFrame(rows)


def _auto_float(text: str) -> float:
    """A number as AUTO prints it (three-digit exponents may lose their 'E': 1.0-100)."""
    try:
        return float(text.replace("D", "E"))
    except ValueError:
        pass
    m = re.fullmatch(r"([-+]?[0-9.]+)([-+][0-9]+)", text)
    if m:
        return float(f"{m.group(1)}E{m.group(2)}")
    return float(text)
