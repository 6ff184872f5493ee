#!/usr/bin/env python
"""Write tests/data/original_templates.json: the template library of PyRates 1.2.3 as data.

Reads the YAML files below ``model_templates/`` of a git mirror of the original repository
(``git show REF:path``, nothing is checked out or imported) and resolves every template the way
PyRates 1.2.3 does when it loads it:

* operators: ``base`` chains with ``equations`` changes (``replace`` of whole terms, ``remove``,
  ``append``, ``prepend``, ``add``) and merged ``variables``; a derived operator drops the
  variables whose name occurs in none of its equations (1.2.3 tests this with a substring
  search, which is reproduced here); every variable gets its role (``input``, ``output``,
  ``state_var``, ``constant``) and its default value as 1.2.3 reads the declaration;
* nodes and edges: their operators (by name, with the template path and changed values);
* circuits: nodes, sub-circuits and edges ``[source, target, edge template, attributes]``.

Where 1.2.3 cannot load a template (a missing template, a malformed entry, an edge to a
variable that does not exist) the entry lists the reasons under ``defects`` and is resolved
the way its author evidently meant it.

    python scripts/extract_original_table.py                       # default mirror, tag v1.2.3
    python scripts/extract_original_table.py --mirror DIR --ref v1.2.3 --check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

PKG = Path(__file__).resolve().parents[1]
OUT = PKG / "tests" / "data" / "original_templates.json"
MIRROR = Path("/work/.mirror/pyrates-neuroscience+PyRates/repo")
REPOSITORY = "pyrates-neuroscience/PyRates"
KINDS = ("OperatorTemplate", "NodeTemplate", "EdgeTemplate", "CircuitTemplate")
ROLE_WORDS = {"input": "input", "output": "output", "variable": "state_var"}
# characters that may surround a term for a 1.2.3 ``replace`` to apply
TERM_BOUNDARY = set("-+=*/^<>!.%@[]():, ")


class Mirror:
    """Read-only access to the files of one commit of a git repository."""

    def __init__(self, git_dir: Path, ref: str) -> None:
        self.git_dir, self.ref = git_dir, ref
        self.commit = self._git("rev-parse", f"{ref}^{{commit}}").strip()

    def _git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.git_dir), *args], check=True,
                              capture_output=True, text=True).stdout

    def yaml_files(self) -> list[str]:
        """Paths of the YAML files of the template package, sorted."""
        names = self._git("ls-tree", "-r", "--name-only", self.commit, "--", "model_templates")
        return sorted(n for n in names.splitlines() if n.endswith((".yaml", ".yml")))

    def load(self, path: str) -> dict[str, Any]:
        """The parsed YAML document at ``path``."""
        return yaml.safe_load(self._git("show", f"{self.commit}:{path}")) or {}


def encode(value: Any) -> Any:
    """JSON form of a default value (complex numbers as ``{"real": .., "imag": ..}``)."""
    if isinstance(value, complex):
        return {"real": value.real, "imag": value.imag}
    return value


def read_number(text: str) -> float | complex:
    """A number written as text, as 1.2.3 reads it (float first, then complex)."""
    try:
        return float(text)
    except ValueError:
        return complex(text.replace(" ", ""))


def read_declaration(raw: Any) -> tuple[dict[str, Any], list[str]]:
    """Role and default of one variable declaration, plus reasons 1.2.3 rejects it."""
    defects: list[str] = []
    if isinstance(raw, dict):
        if "vtype" not in raw:
            defects.append("is declared as {default: ...}: 1.2.3 needs the keys vtype, "
                           "dtype, shape and value (KeyError)")
            return read_declaration(raw.get("default", 0.0))[0], defects
        return {"role": ROLE_WORDS.get(raw["vtype"], raw["vtype"]),
                "default": encode(raw.get("value", 0.0))}, defects
    if isinstance(raw, bool) or not isinstance(raw, (int, float, complex, str)):
        raise ValueError(f"cannot read the declaration {raw!r}")
    if not isinstance(raw, str):
        return {"role": "constant", "default": encode(raw)}, defects
    text = raw.replace(" ", "")
    word, _, arg = text.partition("(")
    if word not in ROLE_WORDS:
        try:
            return {"role": "constant", "default": encode(read_number(text))}, defects
        except ValueError:
            defects.append(f"the value {raw!r} is not a number (1.2.3 raises ValueError)")
            return {"role": "constant", "default": raw}, defects
    arg = arg[:-1] if arg.endswith(")") else arg
    if arg in ("", "float"):
        value: Any = 0.0
    elif arg == "complex":
        value = 0j
    else:
        value = read_number(arg)
    return {"role": ROLE_WORDS[word], "default": encode(value)}, defects


def replace_term(equation: str, term: str, new: str) -> str:
    """Replace each occurrence of ``term`` that stands between operators (1.2.3 rule)."""
    out, start = "", 0
    while True:
        idx = equation.find(term, start)
        if idx < 0:
            return out + equation[start:]
        end = idx + len(term)
        before_ok = idx == 0 or equation[idx - 1] in TERM_BOUNDARY
        after_ok = end == len(equation) or equation[end] in TERM_BOUNDARY
        if before_ok and after_ok and (end < len(equation) or idx > 0):
            out += equation[start:idx] + new
        else:
            out += equation[start:end]
        start = end


class Library:
    """The original's templates, resolved one by one on demand."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self.files = {p: mirror.load(p) for p in mirror.yaml_files()}
        self.templates: dict[str, dict[str, Any]] = {}

    @staticmethod
    def dotted(file: str, name: str) -> str:
        """``model_templates.<folders>.<file>.<name>`` for a template of ``file``."""
        return ".".join([*Path(file).with_suffix("").parts, name])

    def locate(self, ref: str, file: str) -> tuple[str, str]:
        """File and name a template reference points to (local name or dotted path)."""
        if "." not in ref:
            return file, ref
        *mods, name = ref.split(".")
        for suffix in (".yaml", ".yml"):
            cand = "/".join(mods) + suffix
            if cand in self.files:
                return cand, name
        return "/".join(mods) + ".yaml", name

    def entry(self, ref: str, file: str) -> tuple[str, str, dict[str, Any] | None]:
        """File, name and raw YAML entry of a reference (entry None if it does not exist)."""
        file, name = self.locate(ref, file)
        raw = self.files.get(file, {}).get(name)
        return file, name, raw if isinstance(raw, dict) else None

    def resolve(self, file: str, name: str) -> dict[str, Any]:
        """The table entry of template ``name`` of ``file`` (cached)."""
        key = self.dotted(file, name)
        if key not in self.templates:
            raw = self.files[file][name]
            base = raw.get("base")
            defects: list[str] = []
            if base in KINDS:
                kind, parent = base, None
            else:
                bfile, bname, braw = self.entry(str(base), file)
                if braw is None:
                    self.templates[key] = {"kind": None, "base": base,
                                           "defects": [f"base '{base}' does not exist"]}
                    return self.templates[key]
                parent = self.resolve(bfile, bname)
                kind = parent["kind"]
            method = {"OperatorTemplate": self._operator, "NodeTemplate": self._node,
                      "EdgeTemplate": self._node, "CircuitTemplate": self._circuit}[kind]
            entry = {"kind": kind, "base": base, **method(file, raw, parent, defects)}
            if defects:
                entry["defects"] = defects
            self.templates[key] = entry
        return self.templates[key]

    def _operator(self, file: str, raw: dict, parent: dict | None,
                  defects: list[str]) -> dict[str, Any]:
        eqs = list(parent["equations"]) if parent else []
        declared = dict(parent["declared"]) if parent else {}
        change = raw.get("equations")
        own_vars = dict(raw.get("variables") or {})
        if isinstance(change, str):
            eqs = [change]
        elif isinstance(change, list):
            eqs = list(change)
        elif isinstance(change, dict):
            change = dict(change)
            misplaced = change.pop("variables", None)
            if misplaced is not None:
                defects.append("'variables' is nested under 'equations' (1.2.3 raises TypeError)")
                own_vars.update(misplaced)
            for old, new in (change.get("replace") or {}).items():
                eqs = [replace_term(e, str(old), str(new)) for e in eqs]
            removals = change.get("remove") or []
            for old in [removals] if isinstance(removals, str) else removals:
                eqs = [replace_term(e, str(old), "") for e in eqs]
            if change.get("append"):
                eqs = [f"{e} {change['append']}" for e in eqs]
            if change.get("prepend"):
                eqs = [f"{change['prepend']} {e}" for e in eqs]
            add = change.get("add") or []
            eqs += [add] if isinstance(add, str) else list(add)
        declared.update(own_vars)
        if parent is not None:  # a derived operator keeps only what its equations mention
            declared = {k: v for k, v in declared.items() if any(k in e for e in eqs)}
        variables: dict[str, dict[str, Any]] = {}
        problems: dict[str, list[str]] = {}
        for vname, decl in declared.items():
            variables[vname], found = read_declaration(decl)
            for problem in found:
                problems.setdefault(problem, []).append(vname)
        defects += [f"variable(s) {', '.join(names)} {problem}"
                    for problem, names in problems.items()]
        return {"equations": eqs, "variables": variables, "declared": declared}

    def _node(self, file: str, raw: dict, parent: dict | None,
              defects: list[str]) -> dict[str, Any]:
        ops = raw.get("operators")
        if ops is None and parent is not None:
            return {"operators": parent["operators"]}
        if isinstance(ops, str):
            defects.append("'operators' is a single name instead of a list")
            ops = [ops]
        items = ops.items() if isinstance(ops, dict) else [(o, None) for o in ops or []]
        operators = {}
        for ref, values in items:
            ofile, oname, oraw = self.entry(str(ref), file)
            if oraw is None:
                defects.append(f"operator '{ref}' does not exist")
                continue
            self.resolve(ofile, oname)
            operators[oname] = {"template": self.dotted(ofile, oname),
                                "values": {k: encode(v) for k, v in (values or {}).items()}}
        return {"operators": operators}

    def _circuit(self, file: str, raw: dict, parent: dict | None,
                 defects: list[str]) -> dict[str, Any]:
        nodes = dict(parent["nodes"]) if parent else {}
        circuits = dict(parent["circuits"]) if parent else {}
        edges = list(parent["edges"]) if parent else []
        raw_edges = list(raw.get("edges") or [])
        for label, ref in (raw.get("nodes") or {}).items():
            if label == "edges" and isinstance(ref, list):
                defects.append("'edges' is nested under 'nodes' (1.2.3 reads it as a node)")
                raw_edges += ref
                continue
            nodes[label] = self._sub(str(ref), file, "node", defects)
        for label, ref in (raw.get("circuits") or {}).items():
            circuits[label] = self._sub(str(ref), file, "circuit", defects)
        for edge in raw_edges:
            if isinstance(edge, dict):
                attrs = dict(edge.get("variables") or {})
                edge = [edge.get("source"), edge.get("target"), edge.get("template"), attrs]
            src, tgt, tpl = edge[0], edge[1], edge[2] if len(edge) > 2 else None
            attrs = dict(edge[3]) if len(edge) > 3 and edge[3] else {}
            if tpl is not None:
                tpl = self._sub(str(tpl), file, "edge template", defects)
            edges.append([src, tgt, tpl, {k: encode(v) for k, v in attrs.items()}])
        entry = {"nodes": nodes, "circuits": circuits, "edges": edges}
        for src, tgt, _, _ in edges:
            for end in (src, tgt):
                problem = self._endpoint_problem(end, entry)
                if problem:
                    defects.append(f"edge end '{end}': {problem}")
        return entry

    def _sub(self, ref: str, file: str, what: str, defects: list[str]) -> str:
        sfile, sname, sraw = self.entry(ref, file)
        if sraw is None:
            defects.append(f"{what} '{ref}' does not exist")
        else:
            self.resolve(sfile, sname)
        return self.dotted(sfile, sname)

    def _endpoint_problem(self, end: str, circuit: dict[str, Any]) -> str | None:
        """Why ``node/op/var`` (possibly below sub-circuits) names no variable, else None."""
        label, _, rest = end.partition("/")
        if label in circuit["circuits"]:
            sub = self.templates.get(circuit["circuits"][label])
            return self._endpoint_problem(rest, sub) if sub else None
        if label not in circuit["nodes"]:
            return f"there is no node '{label}'"
        node = self.templates.get(circuit["nodes"][label])
        if node is None:
            return None  # already reported as a missing node template
        op, _, var = rest.partition("/")
        if op not in node["operators"]:
            return f"node '{label}' has no operator '{op}' (it has {sorted(node['operators'])})"
        op_entry = self.templates[node["operators"][op]["template"]]
        if var not in op_entry["variables"]:
            return f"operator '{op}' has no variable '{var}'"
        return None

    def table(self) -> dict[str, Any]:
        """Every template of every file, in file order."""
        for file, doc in self.files.items():
            for name, raw in doc.items():
                if name != "aliases" and isinstance(raw, dict):
                    self.resolve(file, name)
        templates = {}
        for key in sorted(self.templates):
            entry = dict(self.templates[key])
            entry.pop("declared", None)
            templates[key] = entry
        return {"source": {"repository": REPOSITORY, "ref": self.mirror.ref,
                           "commit": self.mirror.commit, "files": list(self.files)},
                "templates": templates}


def render(mirror: Path, ref: str) -> str:
    """The JSON text of the table for ``ref`` of the git mirror at ``mirror``."""
    return json.dumps(Library(Mirror(mirror, ref)).table(), indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: write the table, or with ``--check`` compare it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=MIRROR, help="git dir of the original")
    parser.add_argument("--ref", default="v1.2.3", help="tag or commit to read")
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render(args.mirror, args.ref)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
