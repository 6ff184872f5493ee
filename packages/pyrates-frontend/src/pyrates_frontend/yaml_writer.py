"""Saving circuits (and every template they use) as a self-contained YAML file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from pyrates_core.errors import TemplateError
from pyrates_core.model import VariableDef
from pyrates_frontend.building import clear_template_cache

if TYPE_CHECKING:
    from pyrates_frontend.circuit import CircuitTemplate
    from pyrates_frontend.templates import OperatorTemplate

__all__ = ["write_circuit", "write_template"]

_KIND_WORD = {"state_var": "variable", "output": "output", "input": "input"}


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex):
        return str(value)
    if isinstance(value, bool):
        return float(value)
    return value


def _declaration(decl: VariableDef) -> Any:
    value = _plain(decl.value)
    if decl.kind == "constant":
        return value
    if isinstance(value, list):
        return {"default": value, "vtype": decl.kind}
    return f"{_KIND_WORD[decl.kind]}({value!r})" if isinstance(value, float) else \
        f"{_KIND_WORD[decl.kind]}({value})"


def _operator_entry(op: OperatorTemplate) -> dict[str, Any]:
    entry: dict[str, Any] = {"base": "OperatorTemplate", "equations": list(op.equations),
                             "variables": {k: _declaration(v) for k, v in op.variables.items()}}
    if op.description:
        entry["description"] = op.description
    return entry


class _Writer:
    def __init__(self) -> None:
        self.doc: dict[str, Any] = {}

    def name(self, base: str) -> str:
        name, n = base, 1
        while name in self.doc:
            n += 1
            name = f"{base}_{n}"
        return name

    def operator(self, op: OperatorTemplate) -> None:
        entry = _operator_entry(op)
        if op.name in self.doc and self.doc[op.name] != entry:
            raise TemplateError(
                f"cannot save: two different operators are both named '{op.name}' "
                "(operator names must be unique within a circuit to be saved)")
        self.doc[op.name] = entry

    def circuit(self, c: CircuitTemplate, cname: str, values: dict[str, Any]) -> str:
        values = {**values, **c._values, **getattr(c, "_carry", {})}
        entry: dict[str, Any] = {"base": "CircuitTemplate"}
        self.doc[cname] = entry
        nodes: dict[str, str] = {}
        for label, node in c.nodes.items():
            ops: dict[str, Any] = {}
            for op_name, op in node.operators.items():
                self.operator(op)
                changes = dict(node.values.get(op_name, {}))
                prefix = f"{label}/{op_name}/"
                changes.update({k[len(prefix):]: v for k, v in values.items()
                                if k.startswith(prefix)})
                ops[op_name] = {k: _plain(v) for k, v in changes.items()} or None
            nname = self.name(f"{cname}_{label}")
            self.doc[nname] = {"base": "NodeTemplate", "operators": ops}
            nodes[label] = nname
        if nodes:
            entry["nodes"] = nodes
        circuits = {}
        for label, sub in c.circuits.items():
            sub_values = {k[len(label) + 1:]: v for k, v in values.items()
                          if k.startswith(label + "/")}
            circuits[label] = self.circuit(sub, self.name(f"{cname}_{label}"), sub_values)
        if circuits:
            entry["circuits"] = circuits
        edges = []
        for src, tgt, tpl, attrs in c.edges:
            tname = None
            if tpl is not None:
                for op in tpl.operators.values():
                    self.operator(op)
                tname = self.name(tpl.name)
                self.doc[tname] = {"base": "EdgeTemplate", "operators": list(tpl.operators)}
            edges.append([src, tgt, tname, {k: _plain(v) for k, v in attrs.items()}])
        if edges:
            entry["edges"] = edges
        return cname


def write_circuit(circuit: CircuitTemplate, path: Path, name: str, overwrite: bool = False) -> Path:
    """Write ``circuit`` as template ``name`` into the YAML file ``path``; returns the path.

    Load it back with ``CircuitTemplate.from_yaml(f"{path}/{name}")``.
    """
    writer = _Writer()
    writer.circuit(circuit, name, {})
    return _dump(writer.doc, path, f"circuit '{name}'", overwrite)


_MARK = "# Written by PyRates"


def _dump(doc: dict[str, Any], path: Path, what: str, overwrite: bool) -> Path:
    """Write ``doc`` to ``path`` (a file PyRates wrote is replaced, others need ``overwrite``)."""
    path = Path(path)
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    if path.exists() and not overwrite and _MARK not in path.read_text(errors="ignore")[:200]:
        raise FileExistsError(f"{path} exists and was not written by PyRates; pass "
                              "overwrite=True to replace it")
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"%YAML 1.2\n---\n{_MARK}: {what}\n" + body, encoding="utf-8")
    clear_template_cache()
    return path


def write_template(template: Any, path: Path, name: str, overwrite: bool = False) -> Path:
    """Write an operator, node or edge template (with its operators) as ``name`` to ``path``."""
    writer = _Writer()
    if template.kind == "OperatorTemplate":
        entry = _operator_entry(template)
        writer.doc[name] = entry
    else:
        ops: dict[str, Any] = {}
        for op_name, op in template.operators.items():
            writer.operator(op)
            changes = template.values.get(op_name, {})
            ops[op_name] = {k: _plain(v) for k, v in changes.items()} or None
        writer.doc[name] = {"base": template.kind, "operators": ops}
    return _dump(writer.doc, path, f"{template.kind} '{name}'", overwrite)
