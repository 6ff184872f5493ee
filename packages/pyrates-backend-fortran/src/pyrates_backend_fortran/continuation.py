"""Parameter continuation with AUTO-07p, driven from Python.

::

    from pyrates_backend_fortran.continuation import AutoModel, plot_bifurcation

    model = AutoModel(circuit)                         # a CircuitTemplate or a SystemIR
    model.steady_state(params={"eta": -10.0})          # start: a steady state by simulation
    eq = model.equilibrium("eta", bounds=(-12.0, 0.0)) # folds (LP) and Hopf points (HB)
    eq.special                                         # DataFrame of the labelled points
    lc = model.periodic(eq, "HB1", bounds=(-12.0, 0.0))
    folds = model.two_parameter(eq, "LP1", "J", bounds=(0.0, 30.0))
    plot_bifurcation(eq, lc, x="eta", y="r")

Every AUTO run happens in a fresh folder below the model's private temporary folder (removed
by :meth:`AutoModel.close` or when the model is garbage collected): nothing is written to the
working directory and concurrent models never share files. The equation file is compiled once
per model with gfortran against AUTO-07p's object files; runs start from the steady state via
the ``U``/``PAR`` constants or restart from a labelled point of an earlier branch (its
solution file becomes ``fort.3``). AUTO's output is read by
:mod:`pyrates_backend_fortran.autofiles` (AUTO's own Python layer is not used).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pyrates_backend_fortran.auto import CONSTANT_DEFAULTS, AutoTable, generate_auto
from pyrates_backend_fortran.autofiles import parse_branches
from pyrates_core.errors import PyRatesError
from pyrates_core.system import SystemIR

__all__ = ["AutoError", "AutoModel", "Branch", "find_auto", "plot_bifurcation"]

_counter = itertools.count()


class AutoError(PyRatesError, RuntimeError):
    """AUTO-07p is missing, or a continuation failed."""


def find_auto(auto_dir: str | os.PathLike[str] | None = None) -> Path:
    """The AUTO-07p installation folder (with ``lib/*.o``): argument, ``$AUTO_DIR`` or Debian's."""
    candidates = [auto_dir, os.environ.get("AUTO_DIR"), "/usr/lib/auto-07p"]
    for c in candidates:
        if c and (Path(c).expanduser() / "lib").is_dir() and \
                list((Path(c).expanduser() / "lib").glob("*.o")):
            return Path(c).expanduser()
    raise AutoError("AUTO-07p was not found (looked at the auto_dir argument, $AUTO_DIR and "
                    "/usr/lib/auto-07p); install it with apt-get install auto-07p")


@dataclass
class Branch:
    """One continuation run: its points, labelled special points and AUTO solution file."""

    name: str
    params: tuple[str, ...]
    """Continuation parameters (AUTO names), the first is the principal one."""
    kind: str
    """'equilibrium', 'periodic' or 'two-parameter'."""
    points: pd.DataFrame
    """One row per point: the parameters, ``L2-NORM``, the state variables (``MAX <u>``,
    ``PERIOD`` on periodic branches), ``stable``, ``type`` (``LP``, ``HB``, ``EP``..., '' for
    regular points), ``label`` (AUTO label, 0 if none) and ``branch``."""
    solutions: str = field(repr=False, default="")
    """Text of AUTO's solution file (for restarts)."""

    @property
    def special(self) -> pd.DataFrame:
        """The labelled bifurcation points (everything but regular and end points)."""
        pts = self.points
        mask = ~pts["type"].isin(["", "RG", "EP", "UZ"])
        out = pts[mask].copy()
        out.insert(0, "name", [f"{t}{i + 1}" for t, i in _numbered(out["type"].tolist())])
        return out.reset_index(drop=True)

    def point(self, name: str | int) -> pd.Series:
        """A special point by name (``'LP1'``, ``'HB2'``) or AUTO label."""
        if isinstance(name, int | np.integer):
            rows = self.points[self.points["label"] == int(name)]
        else:
            sp_ = self.special
            rows = sp_[sp_["name"] == name]
        if rows.empty:
            known = ", ".join(self.special["name"]) or "none"
            raise KeyError(f"branch '{self.name}' has no point {name!r}; special points: {known}")
        return rows.iloc[0]


def _numbered(types: list[str]) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    out = []
    for t in types:
        out.append((t, seen.get(t, 0)))
        seen[t] = seen.get(t, 0) + 1
    return out


def _format(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_format(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value)


class AutoModel:
    """A model prepared for AUTO-07p: equation file, compiled executable, name tables.

    ``model`` is a ``CircuitTemplate`` (compiled with ``vectorize=False``) or a
    :class:`~pyrates_core.system.SystemIR`. ``auto_dir`` overrides where AUTO-07p is
    installed; ``keep_dir`` keeps the files of every run below that folder instead of a
    temporary one.
    """

    def __init__(self, model: Any, *, auto_dir: str | None = None,
                 keep_dir: str | os.PathLike[str] | None = None, name: str = "pyrates_model"
                 ) -> None:
        self.auto_dir = find_auto(auto_dir)
        if isinstance(model, SystemIR):
            system = model
        elif hasattr(model, "network"):
            from pyrates_core.compile import compile_network

            system = compile_network(model.network(), vectorize=False,
                                     float_precision="float64")
        else:
            raise TypeError(f"AutoModel needs a CircuitTemplate or a SystemIR, got "
                            f"{type(model).__name__}")
        self.system = system
        self.name = name
        source, _, table = generate_auto(system, f"{name}_rhs")
        self.table: AutoTable = table
        self.source = source
        if keep_dir is None:
            self.folder = Path(tempfile.mkdtemp(prefix="pyrates_auto_"))
            self._finalizer: weakref.finalize | None = weakref.finalize(
                self, shutil.rmtree, str(self.folder), True)
        else:
            self.folder = Path(keep_dir).expanduser().resolve()
            self.folder.mkdir(parents=True, exist_ok=True)
            self._finalizer = None
        self.exe = self._build()
        self.start_u = dict(table.u_values)
        self.start_par = dict(table.par_values)

    # -- set-up ---------------------------------------------------------------------------
    def _build(self) -> Path:
        src = self.folder / f"{self.name}.f90"
        src.write_text(self.source)
        fc = shutil.which("gfortran")
        if fc is None:
            raise AutoError("gfortran is not installed (apt-get install gfortran)")
        objs = sorted(str(p) for p in (self.auto_dir / "lib").glob("*.o"))
        exe = self.folder / f"{self.name}.exe"
        for cmd in ([fc, "-O2", "-fPIC", "-c", src.name, "-o", f"{self.name}.o"],
                    [fc, "-fopenmp", f"{self.name}.o", "-o", exe.name, *objs]):
            proc = subprocess.run(cmd, cwd=self.folder, capture_output=True, text=True)
            if proc.returncode != 0:
                raise AutoError(f"building the AUTO-07p executable failed:\n"
                                f"{(proc.stdout + proc.stderr)[-3000:]}")
        return exe

    def close(self) -> None:
        """Delete the model's temporary folder."""
        if self._finalizer is not None:
            self._finalizer()

    def par(self, name: str) -> int:
        """AUTO ``PAR`` index of a parameter (AUTO name, frontend path or IR name)."""
        return self.table.par_index(name)

    def steady_state(self, params: dict[str, float] | None = None, t_max: float = 200.0,
                     step_size: float = 1e-3, tol: float = 1e-7) -> dict[str, float]:
        """Simulate (RK4 in Fortran) until the state is steady; it becomes the start point.

        Returns the state by AUTO name. Raises :class:`AutoError` if the state still moves
        by more than ``tol`` (per time unit) at ``t_max``.
        """
        from pyrates_backend_fortran.backend import FortranBackend
        from pyrates_core.backend import CodegenOptions, SimulationRequest

        values: dict[str, np.ndarray] = {}
        for key, v in (params or {}).items():
            k = self.par(key)
            self.start_par[k] = float(v)
            ir, i = self.table.ir_par[k]
            values.setdefault(ir, np.array(self._ir_value(ir), dtype=float).ravel())[i] = v
        sys_ = self.system
        be = FortranBackend()
        code = be.generate(sys_, CodegenOptions(step_size=step_size))
        with tempfile.TemporaryDirectory(prefix="pyrates_ss_") as tmp:
            model = be.load(code, Path(tmp))
        param_values = {k: v.reshape(np.shape(sys_.params[k].value)) for k, v in values.items()
                        if k in sys_.params}
        inputs = {k: v.reshape(1, -1) for k, v in values.items() if k in sys_.inputs}
        y = None
        for _ in range(2):
            req = SimulationRequest(simulation_time=t_max / 2, step_size=step_size,
                                    solver="rk4", param_values=param_values, inputs=inputs,
                                    initial_state=y, sampling_step_size=t_max / 2)
            prev = y
            y = be.integrate(model, req).final_state
        assert prev is not None and y is not None
        drift = float(np.max(np.abs(y - prev))) / (t_max / 2)
        if drift > tol:
            raise AutoError(f"no steady state reached by t = {t_max:g}: the state still changes "
                            f"by {drift:.3g} per time unit; increase t_max or start elsewhere")
        self.start_u = {k: float(y[k - 1]) for k in self.table.u}
        return {self.table.u[k]: v for k, v in self.start_u.items()}

    def _ir_value(self, name: str) -> np.ndarray:
        if name in self.system.params:
            return np.asarray(self.system.params[name].value)
        return np.asarray(self.system.inputs[name].default)

    # -- running AUTO ---------------------------------------------------------------------
    def _constants(self, **consts: Any) -> str:
        merged: dict[str, Any] = dict(CONSTANT_DEFAULTS)
        merged.update(NDIM=self.system.n_state, NPAR=max(max(self.table.par, default=1), 14),
                      JAC=1 if self.table.jacobian else 0)
        merged.update(consts)
        lines = [f"parnames = {self.table.par}", f"unames = {self.table.u}"]
        lines += [f"{k} = {_format(v)}" for k, v in merged.items()]
        return "\n".join(lines) + "\n"

    def run_auto(self, restart: str | None = None, **consts: Any) -> tuple[pd.DataFrame, str]:
        """One AUTO-07p run with the given constants: ``(points, solution-file text)``."""
        run_dir = self.folder / f"run{next(_counter)}"
        run_dir.mkdir()
        try:
            (run_dir / "fort.2").write_text(self._constants(**consts))
            if restart is not None:
                (run_dir / "fort.3").write_text(restart)
            proc = subprocess.run([str(self.exe)], cwd=run_dir, capture_output=True, text=True,
                                  timeout=600)
            b = (run_dir / "fort.7").read_text() if (run_dir / "fort.7").exists() else ""
            s = (run_dir / "fort.8").read_text() if (run_dir / "fort.8").exists() else ""
            if proc.returncode != 0 or not b:
                raise AutoError(f"AUTO-07p failed (exit {proc.returncode}):\n"
                                f"{(proc.stdout + proc.stderr)[-2000:]}")
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)
        return parse_branches(b), s

    def _rename(self, points: pd.DataFrame) -> pd.DataFrame:
        """AUTO's ``PAR(i)``/``U(i)`` column names -> the model's names."""
        mapping = {f"PAR({k})": v for k, v in self.table.par.items()}
        mapping.update({f"U({k})": v for k, v in self.table.u.items()})
        mapping.update({f"MAX U({k})": f"MAX {v}" for k, v in self.table.u.items()})
        mapping["PAR(11)"] = "PERIOD"
        return points.rename(columns=mapping)

    def _both_ways(self, name: str, params: tuple[str, ...], kind: str, restart: str | None,
                   bidirectional: bool, ds: float, **consts: Any) -> Branch:
        parts, sols = [], []
        for sign in ((1.0, -1.0) if bidirectional else (1.0,)):
            pts, s = self.run_auto(restart=restart, DS=sign * ds, **consts)
            if sign < 0:
                pts = pts.iloc[::-1]
            parts.append(pts)
            sols.append(s)
        points = pd.concat(parts[::-1], ignore_index=True) if len(parts) > 1 else parts[0]
        if len(parts) > 1:  # labels of the second run continue after those of the first
            points = points.drop_duplicates(subset=[c for c in points.columns
                                                    if c not in ("label", "point", "type")])
        return Branch(name, params, kind, self._rename(points).reset_index(drop=True),
                      sols[0] if len(sols) == 1 else sols[0] + sols[1])

    def equilibrium(self, param: str, bounds: tuple[float, float], *, ds: float = 1e-3,
                    ds_max: float = 0.05, max_steps: int = 2000, bidirectional: bool = True,
                    name: str | None = None, **consts: Any) -> Branch:
        """Continue the start steady state in ``param`` within ``bounds``; LP/HB detected."""
        k = self.par(param)
        settings = dict(IPS=1, ICP=[k], ILP=1, ISP=2, ISW=1, NMX=max_steps, NPR=max_steps,
                        DSMIN=1e-8, DSMAX=ds_max, EPSL=1e-8, EPSU=1e-8, EPSS=1e-6, ITMX=8,
                        ITNW=7, NWTN=3, NTST=1, NCOL=4, IAD=3, UZSTOP={k: list(bounds)},
                        U=dict(self.start_u), PAR=dict(self.start_par))
        settings.update(consts)
        return self._both_ways(name or f"eq_{self.table.par[k]}", (self.table.par[k],),
                               "equilibrium", None, bidirectional, ds, **settings)

    def periodic(self, branch: Branch, point: str | int = "HB1",
                 bounds: tuple[float, float] | None = None, *, ds: float = 1e-3,
                 ds_max: float = 0.05, max_steps: int = 500, ntst: int = 60,
                 name: str | None = None, **consts: Any) -> Branch:
        """Switch to the periodic orbits at a Hopf point of ``branch`` and continue them."""
        pt = branch.point(point)
        if pt["type"] != "HB":
            raise AutoError(f"point {point!r} of '{branch.name}' is a {pt['type']}, not a Hopf "
                            "point (HB)")
        k = self.par(branch.params[0])
        settings = dict(IPS=2, IRS=int(pt["label"]), ICP=[k, 11], ILP=1, ISP=2, ISW=1,
                        NMX=max_steps, NPR=max_steps, NTST=ntst, NCOL=4, IAD=3, DSMIN=1e-8,
                        DSMAX=ds_max, EPSL=1e-7, EPSU=1e-7, EPSS=1e-5, ITMX=8, ITNW=7,
                        NWTN=3, THL={11: 0.0})
        if bounds is not None:
            settings["UZSTOP"] = {k: list(bounds)}
        settings.update(consts)
        return self._both_ways(name or f"lc_{branch.name}", branch.params[:1], "periodic",
                               branch.solutions, False, ds, **settings)

    def two_parameter(self, branch: Branch, point: str | int, param2: str,
                      bounds: tuple[float, float], *, bounds1: tuple[float, float] | None = None,
                      ds: float = 1e-3, ds_max: float = 0.05, max_steps: int = 2000,
                      bidirectional: bool = True, name: str | None = None, **consts: Any
                      ) -> Branch:
        """Continue a fold (LP) or Hopf point (HB) of ``branch`` in its parameter and ``param2``."""
        pt = branch.point(point)
        if pt["type"] not in ("LP", "HB"):
            raise AutoError(f"point {point!r} of '{branch.name}' is a {pt['type']}; two-parameter "
                            "continuation needs a fold (LP) or Hopf point (HB)")
        k1, k2 = self.par(branch.params[0]), self.par(param2)
        stop: dict[int, list[float]] = {k2: list(bounds)}
        if bounds1 is not None:
            stop[k1] = list(bounds1)
        settings = dict(IPS=1, IRS=int(pt["label"]), ICP=[k1, k2], ILP=1, ISP=2, ISW=2,
                        NMX=max_steps, NPR=max_steps, NTST=1, NCOL=4, IAD=3, DSMIN=1e-8,
                        DSMAX=ds_max, EPSL=1e-8, EPSU=1e-8, EPSS=1e-6, ITMX=8, ITNW=7,
                        NWTN=3, UZSTOP=stop)
        settings.update(consts)
        return self._both_ways(name or f"{pt['name'] if 'name' in pt else point}_{param2}",
                               (self.table.par[k1], self.table.par[k2]), "two-parameter",
                               branch.solutions, bidirectional, ds, **settings)


_MARKERS = {"LP": "v", "HB": "o", "BP": "s", "PD": "h", "TR": "d", "BT": "s", "CP": "d",
            "GH": "o", "ZH": "p"}


def plot_bifurcation(*branches: Branch, x: str, y: str, ax: Any = None) -> Any:
    """Bifurcation diagram: ``y`` over ``x`` for every branch, stable parts solid, unstable
    dashed, special points marked and named. Periodic branches plot ``MAX <y>`` when ``y``
    is a state. Returns the matplotlib axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    for b in branches:
        col = y if y in b.points.columns else f"MAX {y}"
        if x not in b.points.columns or col not in b.points.columns:
            raise KeyError(f"branch '{b.name}' has no column '{x}' or '{y}'; columns: "
                           f"{', '.join(map(str, b.points.columns))}")
        xs, ys = b.points[x].to_numpy(), b.points[col].to_numpy()
        stable = b.points["stable"].to_numpy()
        color = None
        for seg_start, seg_end, st in _segments(stable):
            sl = slice(seg_start, min(seg_end + 1, len(xs)))
            line, = ax.plot(xs[sl], ys[sl], "-" if st else "--", color=color,
                            label=b.name if color is None else None)
            color = line.get_color()
        for _, row in b.special.iterrows():
            ax.plot(row[x], row[col], _MARKERS.get(row["type"], "x"), color=color)
            ax.annotate(row["name"], (row[x], row[col]), textcoords="offset points",
                        xytext=(4, 4), fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend()
    return ax


def _segments(stable: np.ndarray) -> list[tuple[int, int, bool]]:
    out: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(1, len(stable) + 1):
        if i == len(stable) or stable[i] != stable[start]:
            out.append((start, i - 1, bool(stable[start])))
            start = i
    return out
