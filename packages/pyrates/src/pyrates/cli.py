"""The ``pyrates`` command line: run, inspect, list and export models.

Examples::

    pyrates list
    pyrates show model_templates.neural_mass_models.jansenrit.JRC
    pyrates run model_templates.neural_mass_models.jansenrit.JRC --time 1.0 --dt 1e-4 \\
        --output V_e=pc/rpo_e_in/v --plot jrc.png --save jrc.csv
    pyrates export model_templates.neural_mass_models.qif.qif --backend numpy --out qif_rhs.py

Every sub-command has ``--help``. Errors in the user's input (a template path, an output path, an
input file) end the command with exit status 2 and a one-line message, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["build_parser", "main"]

_USER_ERRORS: tuple[type[BaseException], ...] = (
    FileNotFoundError, FileExistsError, KeyError, ValueError, TypeError, LookupError)


def _pairs(items: Sequence[str] | None, flag: str) -> dict[str, str]:
    """``['a=b', 'c=d']`` -> ``{'a': 'b', 'c': 'd'}``; a missing ``=`` names the flag."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ValueError(f"{flag} expects NAME=VALUE, got '{item}'")
        out[key] = value
    return out


def _load_circuit(path: str) -> Any:
    from pyrates_frontend import CircuitTemplate

    return CircuitTemplate.from_yaml(path)


def _cmd_run(args: argparse.Namespace) -> int:
    """Simulate a circuit template and print, plot or save the result."""
    circuit = _load_circuit(args.template)
    outputs: Any = _pairs(args.output, "--output") or None
    inputs: dict[str, np.ndarray] = {}
    for var, file in _pairs(args.input, "--input").items():
        if not Path(file).is_file():
            raise FileNotFoundError(f"--input {var}={file}: no such file")
        inputs[var] = np.load(file)
    kwargs: dict[str, Any] = {}
    if args.sampling_step is not None:
        kwargs["sampling_step_size"] = args.sampling_step
    result = circuit.run(simulation_time=args.time, step_size=args.dt, inputs=inputs or None,
                         outputs=outputs, solver=args.solver, backend=args.backend, **kwargs)
    if args.save:
        _save(result, Path(args.save))
        print(f"saved {result.shape[0]} rows x {result.shape[1]} columns to {args.save}")
    if args.plot:
        from pyrates_frontend.plotting import plot_timeseries

        fig, _ = plot_timeseries(result, title=args.template)
        fig.savefig(args.plot, dpi=120)
        print(f"plot saved to {args.plot}")
    if not args.save and not args.plot:
        print(result.describe().T.to_string())
    return 0


def _save(frame: Any, target: Path) -> None:
    """Write a result frame as CSV or parquet, chosen by the file suffix."""
    if target.suffix == ".csv":
        frame.to_csv(target)
    elif target.suffix == ".parquet":
        flat = frame.copy()
        flat.columns = ["/".join(map(str, c)) if isinstance(c, tuple) else str(c)
                        for c in flat.columns]
        flat.to_parquet(target)
    else:
        raise ValueError(f"--save {target}: use a .csv or .parquet file name")


def _cmd_show(args: argparse.Namespace) -> int:
    """Print the nodes, operators, equations, variables and edges of a template."""
    circuit = _load_circuit(args.template)
    net = circuit.network()
    print(f"circuit {args.template}: {len(net.nodes)} node(s), {len(net.edges)} edge(s)")
    for path, node in net.nodes.items():
        print(f"\nnode {path}" + (f"  ({node.template})" if node.template else ""))
        for op_name, op in node.operators.items():
            print(f"  operator {op_name}")
            for eq in op.equations:
                print(f"    {eq}")
            for var, decl in op.variables.items():
                print(f"      {var:<14} {decl.kind:<10} {_short(decl.value)}")
    if net.edges:
        print("\nedges (source -> target: weight, delay, spread)")
        for e in net.edges:
            print(f"  {e.source} -> {e.target}: {e.weight:g}, {e.delay}, {e.spread}")
    return 0


def _short(value: Any) -> str:
    arr = np.asarray(value)
    return repr(value) if arr.ndim == 0 else f"array{arr.shape} first {arr.ravel()[0]!r}"


def _cmd_list(args: argparse.Namespace) -> int:
    """List installed backends (with versions and capabilities) and the template library."""
    from importlib.metadata import entry_points

    from pyrates_core.registry import get_backend

    print("backends:")
    for ep in sorted(entry_points(group="pyrates.backends"), key=lambda e: e.name):
        name = ep.name
        dist = ep.dist.name if ep.dist is not None else "?"
        try:
            ver = version(dist)
        except PackageNotFoundError:
            ver = "?"
        try:
            caps = ", ".join(sorted(getattr(get_backend(name), "capabilities", ())))
            solvers = ", ".join(sorted(get_backend(name).solvers))
        except Exception as exc:  # a broken community backend must not hide the others
            caps, solvers = f"cannot load: {exc}", ""
        print(f"  {name:<11} {dist} {ver}\n      solvers: {solvers}\n      capabilities: {caps}")
    try:
        from pyrates_models.catalog import list_templates
    except ImportError:
        print("templates: pyrates-models is not installed (pip install pyrates-models)")
        return 0
    rows = list_templates()
    kinds = args.kind
    print("\ntemplates:")
    for row in rows:
        path, kind = _row_path_kind(row)
        if kinds and kind not in kinds:
            continue
        print(f"  {kind:<16} {path}")
    return 0


def _row_path_kind(row: Any) -> tuple[str, str]:
    """``(dotted path, kind)`` of a row of ``pyrates_models.catalog.list_templates``."""
    path, kind = row
    return str(path), str(kind)


def _cmd_export(args: argparse.Namespace) -> int:
    """Write the run function (vector field) of a template for a backend to a file."""
    circuit = _load_circuit(args.template)
    out = Path(args.out)
    if out.exists() and "generated by pyrates" not in out.read_text(errors="ignore")[:2000].lower():
        raise FileExistsError(f"--out {out} exists and was not written by PyRates; "
                              "choose another file name")
    kwargs: dict[str, Any] = {}
    if args.dt is not None:
        kwargs["step_size"] = args.dt
    circuit.get_run_func(args.func_name, file_name=str(out.with_suffix("")),
                         backend=args.backend, solver=args.solver, **kwargs)
    written = sorted(p.name for p in out.parent.glob(out.stem + "*"))
    print(f"wrote {', '.join(written) or out.name} in {out.parent.resolve()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pyrates`` command."""
    parser = argparse.ArgumentParser(
        prog="pyrates", description="PyRates: simulate and export models defined as templates.")
    try:
        parser.add_argument("--version", action="version", version=version("pyrates"))
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        pass
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a circuit template",
                         description="Simulate a circuit template and print summary statistics, "
                                     "save the time series or plot it.")
    run.add_argument("template", help="template path, e.g. "
                     "model_templates.neural_mass_models.jansenrit.JRC or file.yaml/Name")
    run.add_argument("--time", type=float, required=True, help="simulation time")
    run.add_argument("--dt", type=float, required=True, help="integration step size")
    run.add_argument("--sampling-step", type=float, default=None,
                     help="recording interval (default: --dt)")
    run.add_argument("--solver", default="euler", help="solver name (default: euler)")
    run.add_argument("--backend", default="numpy", help="backend name (default: numpy)")
    run.add_argument("--output", action="append", metavar="NAME=PATH",
                     help="record PATH (node/op/var) as column NAME; repeatable")
    run.add_argument("--input", action="append", metavar="PATH=FILE.npy",
                     help="drive input variable PATH with the array in FILE.npy (one row per step)")
    run.add_argument("--plot", metavar="FILE.png", help="save a plot of the outputs")
    run.add_argument("--save", metavar="FILE", help="save the result as .csv or .parquet")
    run.set_defaults(func=_cmd_run)

    show = sub.add_parser("show", help="print a template's structure and equations")
    show.add_argument("template", help="template path")
    show.set_defaults(func=_cmd_show)

    lst = sub.add_parser("list", help="list installed backends and library templates")
    lst.add_argument("--kind", action="append",
                     choices=["OperatorTemplate", "NodeTemplate", "EdgeTemplate",
                              "CircuitTemplate"],
                     help="only templates of this kind; repeatable")
    lst.set_defaults(func=_cmd_list)

    exp = sub.add_parser("export", help="write a template's run function for a backend")
    exp.add_argument("template", help="template path")
    exp.add_argument("--backend", default="numpy", help="backend name (default: numpy)")
    exp.add_argument("--out", required=True, help="output file, e.g. rhs.py or qif.f90")
    exp.add_argument("--func-name", default="rhs", help="name of the generated function")
    exp.add_argument("--solver", default="euler", help="solver the function is meant for")
    exp.add_argument("--dt", type=float, default=None, help="step size (delayed models)")
    exp.set_defaults(func=_cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pyrates`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except _USER_ERRORS as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"pyrates {args.command}: error: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
