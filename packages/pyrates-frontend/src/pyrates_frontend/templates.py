"""Operator, node and edge templates (the building blocks of circuits)."""

from __future__ import annotations

import copy
import difflib
import pickle
import re
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pyrates_core.errors import TemplateError, VariableNotFoundError
from pyrates_core.model import NodeDef, OperatorDef, VariableDef, parse_variable
from pyrates_frontend.building import register_template_class, resolve_template, template_from_path
from pyrates_frontend.yaml_writer import write_template

__all__ = ["EdgeTemplate", "NodeTemplate", "OperatorTemplate", "Template"]


def _close(word: str, options: Any) -> str:
    match = difflib.get_close_matches(word, list(options), n=3)
    return f" Did you mean {', '.join(repr(m) for m in match)}?" if match else ""


class Template:
    """Common behaviour: a name, where it came from, a description, YAML/pickle loading."""

    kind = "Template"

    def __init__(self, name: str, path: str | None = None, description: str = "") -> None:
        self.name = name
        self.path = path or name
        self.description = description

    @classmethod
    def from_yaml(cls, path: str) -> Any:
        """Load a template by its path (``package.file.Template`` or ``file.yaml/Template``)."""
        tpl = template_from_path(path)
        if not isinstance(tpl, cls):
            raise TemplateError(f"'{path}' is a {tpl.kind}, not a {cls.kind}")
        # circuits carry state (changed values, remembered states): never share the cached one
        return copy.deepcopy(tpl) if tpl.kind == "CircuitTemplate" else tpl

    def to_pickle(self, path: str | Path) -> None:
        """Save the template with pickle."""
        with open(path, "wb") as fh:
            pickle.dump(self, fh)

    @classmethod
    def from_pickle(cls, path: str | Path) -> Any:
        """Load a template saved with :meth:`to_pickle`."""
        with open(path, "rb") as fh:
            tpl = pickle.load(fh)  # noqa: S301 - user's own file
        if not isinstance(tpl, cls):
            raise TemplateError(f"{path} holds a {type(tpl).__name__}, not a {cls.kind}")
        return tpl

    def __repr__(self) -> str:
        from pyrates_frontend.display import safe_repr

        return safe_repr(self, html=False)

    def _repr_html_(self) -> str:
        """Jupyter's rich display: LaTeX equations, tables of variables, nodes and edges."""
        from pyrates_frontend.display import safe_repr

        return safe_repr(self, html=True)

    def to_yaml(self, path: str | Path, template_name: str | None = None,
                overwrite: bool = False) -> Path:
        """Save the template (with the operators it uses) as a YAML file; returns its path.

        A file PyRates wrote is replaced; another existing file needs ``overwrite=True``.
        """
        return write_template(self, Path(path), template_name or self.name, overwrite=overwrite)


def _replace_in(equation: str, old: str, new: str) -> str:
    """Whole-word textual replacement (word boundaries only where ``old`` has word ends)."""
    left = r"(?<![\w.])" if re.match(r"\w", old) else ""
    right = r"(?![\w])" if re.search(r"\w$", old) else ""
    return re.sub(left + re.escape(old) + right, lambda _: new, equation)


class OperatorTemplate(Template):
    """Equations plus the variables they use.

    ``variables`` maps names to ``'output(0.0)'``, ``'input(0.0)'``, ``'variable(0.0)'``
    (alias ``'state_var(0.0)'``) or a constant value (number or array).
    """

    kind = "OperatorTemplate"
    cache: ClassVar[dict[Any, Any]] = {}
    """PyRates 1.x kept operator IRs here (scripts call ``OperatorTemplate.cache.clear()``);
    nothing is cached here, so it stays empty."""

    def __init__(self, name: str, path: str | None = None, equations: str | list[str] | None = None,
                 variables: dict[str, Any] | None = None, description: str = "") -> None:
        super().__init__(name, path, description)
        eqs = [equations] if isinstance(equations, str) else list(equations or [])
        for eq in eqs:
            if not isinstance(eq, str):
                raise TemplateError(
                    f"operator '{self.path}': equations must be strings, got {eq!r}")
        self.equations: list[str] = eqs
        self.variables: dict[str, VariableDef] = {
            k: parse_variable(v, f"variable '{k}' of operator '{self.path}'")
            for k, v in (variables or {}).items()}

    def update_template(self, name: str | None = None, path: str | None = None,
                        equations: Any = None, variables: dict[str, Any] | None = None,
                        description: str | None = None) -> OperatorTemplate:
        """Derive a new operator: ``equations`` may be a list (replaces all) or a dict with
        ``replace`` (textual whole-word replacements), ``add`` and ``remove``.
        """
        eqs = list(self.equations)
        if isinstance(equations, dict):
            unknown = set(equations) - {"replace", "add", "remove"}
            if unknown:
                raise TemplateError(f"operator '{path or name}': unknown equation change(s) "
                                    f"{sorted(unknown)}; use 'replace', 'add' or 'remove'")
            for old, new in (equations.get("replace") or {}).items():
                eqs = [_replace_in(eq, str(old), str(new)) for eq in eqs]
            for rem in equations.get("remove") or []:
                if rem not in eqs:
                    raise TemplateError(f"operator '{path or name}': cannot remove '{rem}', "
                                        f"equations are {eqs}")
                eqs.remove(rem)
            add = equations.get("add") or []
            eqs += [add] if isinstance(add, str) else list(add)
        elif equations is not None:
            eqs = [equations] if isinstance(equations, str) else list(equations)
        new_vars: dict[str, Any] = {k: v.copy() for k, v in self.variables.items()}
        for k, v in (variables or {}).items():
            parsed = parse_variable(v, f"variable '{k}' of operator '{path or name}'")
            if k in new_vars and parsed.kind == "constant" and new_vars[k].kind != "constant":
                parsed = new_vars[k].copy(parsed.value)
            new_vars[k] = parsed
        return OperatorTemplate(name or self.name, path, eqs, new_vars,
                                self.description if description is None else description)

    def __getitem__(self, key: str) -> VariableDef:
        """The variable ``key``."""
        try:
            return self.variables[key]
        except KeyError:
            raise VariableNotFoundError(
                f"operator '{self.path}' has no variable '{key}'.{_close(key, self.variables)}"
            ) from None

    def update_var(self, var: str, val: Any) -> None:
        """Change the default value of variable ``var`` in place (its role stays)."""
        self.variables[var] = self[var].copy(_as_value(val))

    def to_def(self, values: dict[str, Any] | None = None) -> OperatorDef:
        """The core's :class:`OperatorDef`, with variable values changed as given."""
        vars_ = {k: v.copy() for k, v in self.variables.items()}
        for k, val in (values or {}).items():
            if k not in vars_:
                raise VariableNotFoundError(
                    f"operator '{self.path}' has no variable '{k}'.{_close(k, vars_)}")
            vars_[k] = vars_[k].copy(_as_value(val))
        return OperatorDef(self.name, list(self.equations), vars_, self.path)


def _as_value(val: Any) -> Any:
    if isinstance(val, str):
        return parse_variable(val, "value").value
    if isinstance(val, (list, tuple)):
        return np.asarray(val)
    return val


class NodeTemplate(Template):
    """A node (a population): a list of operators, optionally with changed variable values."""

    kind = "NodeTemplate"

    def __init__(self, name: str, operators: list | dict | None = None, path: str | None = None,
                 description: str = "") -> None:
        super().__init__(name, path, description)
        self.operators: dict[str, OperatorTemplate] = {}
        self.values: dict[str, dict[str, Any]] = {}
        self._set_operators(operators or [])

    def _set_operators(self, operators: list | dict) -> None:
        items = operators.items() if isinstance(operators, dict) else [(o, None) for o in operators]
        for op, changes in items:
            tpl = resolve_template(op, OperatorTemplate, where=f"node '{self.path}'")
            if tpl.name in self.operators:
                raise TemplateError(f"node '{self.path}' has two operators named '{tpl.name}'")
            self.operators[tpl.name] = tpl
            if changes:
                if not isinstance(changes, dict):
                    raise TemplateError(f"node '{self.path}': the changes of operator "
                                        f"'{tpl.name}' must be a mapping of variable values")
                for k in changes:
                    tpl[k]  # noqa: B018 - raises a clear error for unknown variables
                self.values[tpl.name] = dict(changes)

    def update_template(self, name: str | None = None, path: str | None = None,
                        operators: list | dict | None = None,
                        description: str | None = None) -> NodeTemplate:
        """Derive a node: the base's operators, replaced by ``operators`` if given."""
        new = copy.copy(self)
        new.name, new.path = name or self.name, path or name or self.path
        new.description = self.description if description is None else description
        new.operators, new.values = dict(self.operators), copy.deepcopy(self.values)
        if operators is not None:
            new.operators, new.values = {}, {}
            new._set_operators(operators)
        return new

    def __getitem__(self, key: str) -> Any:
        """The operator ``key`` (or ``'op/var'`` for a variable)."""
        op, _, var = key.partition("/")
        if op not in self.operators:
            raise VariableNotFoundError(
                f"node '{self.path}' has no operator '{op}'.{_close(op, self.operators)}")
        return self.operators[op][var] if var else self.operators[op]

    def get_op(self, op: str) -> OperatorTemplate:
        """The operator template named ``op``."""
        return self[op]

    def update_var(self, op: str, var: str, val: Any) -> None:
        """Change the value of ``var`` of operator ``op`` on this node, in place."""
        self.get_op(op)[var]  # noqa: B018 - raises a clear error for unknown variables
        self.values.setdefault(op, {})[var] = val

    def to_def(self, values: dict[str, Any] | None = None) -> NodeDef:
        """The core's :class:`NodeDef`; ``values`` maps ``'op/var'`` to new values."""
        per_op: dict[str, dict[str, Any]] = {k: dict(v) for k, v in self.values.items()}
        for key, val in (values or {}).items():
            op, _, var = key.partition("/")
            per_op.setdefault(op, {})[var] = val
        ops = {name: tpl.to_def(per_op.get(name)) for name, tpl in self.operators.items()}
        return NodeDef(ops, self.name)


class EdgeTemplate(NodeTemplate):
    """An edge with its own operators (e.g. synaptic dynamics on the connection)."""

    kind = "EdgeTemplate"


for _cls in (OperatorTemplate, NodeTemplate, EdgeTemplate):
    register_template_class(_cls)
del _cls
