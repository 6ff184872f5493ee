#!/usr/bin/env python3
"""Answer questions about the packages of this monorepo from their pyproject.toml files.

Standard library only (tomllib, or the tomli backport on Python 3.10), so that it runs with any
interpreter before a virtual environment exists.

Sub-commands (paths are printed relative to the repository root, one per line):

``order``
    Every package directory in dependency order: a package comes after all siblings that it
    needs at run time, ties broken by name, the meta-package ``pyrates`` last.
``closure DIR [EXTRA ...]``
    The sibling package directories that installing ``DIR[EXTRA,...]`` pulls in, DIR included,
    in dependency order. Follows the base dependencies and every extra that is asked for, both
    of DIR itself and of the siblings it reaches (``pyrates[numba]`` ->
    ``pyrates-backend-numpy[numba]``). pip cannot find our siblings on an index, so whoever
    installs a package must hand pip exactly these directories (or their wheels).
``name DIR``
    The distribution name declared in DIR/pyproject.toml.
``hash DIR [EXTRA ...]``
    A digest of everything that decides what an isolated test venv for DIR contains: the
    interpreter version and the pyproject.toml of each package in the closure. A venv whose
    stamp holds the same digest can be reused; any change to those files rebuilds it.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "packages"
META = "pyrates"

# "name[extra1, extra2] >=1.0 ; marker" -> name, extras
_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def normalize(name: str) -> str:
    """PEP 503 normalisation, so that ``Pyrates_Core`` and ``pyrates-core`` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirement(text: str) -> tuple[str, frozenset[str]]:
    match = _REQ.match(text)
    if match is None:
        raise SystemExit(f"pkgtool: cannot parse requirement {text!r}")
    extras = frozenset(normalize(e) for e in (match.group(2) or "").split(",") if e.strip())
    return normalize(match.group(1)), extras


class Package:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.pyproject = directory / "pyproject.toml"
        with self.pyproject.open("rb") as fh:
            project = tomllib.load(fh).get("project", {})
        self.name = normalize(project["name"])
        self.dependencies: list[str] = list(project.get("dependencies", []))
        self.extras: dict[str, list[str]] = {
            normalize(k): list(v) for k, v in project.get("optional-dependencies", {}).items()
        }

    @property
    def rel(self) -> str:
        return self.dir.relative_to(ROOT).as_posix()

    def requirements(self, extras: frozenset[str] = frozenset()) -> list[str]:
        reqs = list(self.dependencies)
        for extra in sorted(extras):
            if extra not in self.extras:
                raise SystemExit(f"pkgtool: {self.name} has no extra {extra!r}")
            reqs.extend(self.extras[extra])
        return reqs


def discover() -> dict[str, Package]:
    found: dict[str, Package] = {}
    for pyproject in sorted(PACKAGES.glob("*/pyproject.toml")):
        pkg = Package(pyproject.parent)
        found[pkg.name] = pkg
    return found


def resolve_dir(arg: str, packages: dict[str, Package]) -> Package:
    path = (Path.cwd() / arg).resolve()
    for pkg in packages.values():
        if pkg.dir == path or pkg.name == normalize(arg) or pkg.dir.name == arg:
            return pkg
    raise SystemExit(f"pkgtool: no package at {arg!r}")


def order(packages: dict[str, Package], subset: set[str] | None = None) -> list[Package]:
    """Topological order over run-time sibling dependencies (extras ignored), meta last."""
    names = set(packages) if subset is None else subset
    deps = {
        name: {parse_requirement(r)[0] for r in packages[name].dependencies} & names
        for name in names
    }
    done: list[str] = []
    pending = sorted(names, key=lambda n: (n == META, n))
    while pending:
        ready = [n for n in pending if deps[n] <= set(done)]
        if not ready:  # a cycle in run-time dependencies: keep going, but deterministically
            ready = pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return [packages[n] for n in done]


def closure(root: Package, extras: frozenset[str], packages: dict[str, Package]) -> list[Package]:
    seen: dict[str, frozenset[str]] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root.name, extras)]
    while todo:
        name, wanted = todo.pop()
        have = seen.get(name)
        if have is not None and wanted <= have:
            continue
        merged = wanted | (have or frozenset())
        seen[name] = merged
        for req in packages[name].requirements(merged):
            dep, dep_extras = parse_requirement(req)
            if dep in packages:
                todo.append((dep, dep_extras))
    return order(packages, set(seen))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    packages = discover()
    if cmd == "order":
        for pkg in order(packages):
            print(pkg.rel)
    elif cmd == "name" and len(args) == 1:
        print(resolve_dir(args[0], packages).name)
    elif cmd in ("closure", "hash") and args:
        root = resolve_dir(args[0], packages)
        extras = frozenset(normalize(e) for e in args[1:])
        members = closure(root, extras, packages)
        if cmd == "closure":
            for pkg in members:
                print(pkg.rel)
        else:
            digest = hashlib.sha256()
            digest.update(sys.version.encode())
            digest.update(" ".join(sorted(extras)).encode())
            for pkg in members:
                digest.update(pkg.rel.encode())
                digest.update(pkg.pyproject.read_bytes())
            print(digest.hexdigest())
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
