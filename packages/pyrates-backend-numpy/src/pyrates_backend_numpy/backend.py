"""The :class:`NumpyBackend`: generate, load and integrate NumPy (optionally numba) code."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import linecache
import os
import tempfile
import time
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import Any

from pyrates_backend_numpy.batch import integrate_batch
from pyrates_backend_numpy.codegen import LOOP_METHODS, generate_source, loop_solver
from pyrates_backend_numpy.jacobian import generate_jacobian, load_jacobian
from pyrates_backend_numpy.jit import EVALS_PER_STEP, choose_numba
from pyrates_backend_numpy.printer import SUPPORTED_FUNCTIONS
from pyrates_backend_numpy.solvers import (
    SOLVERS,
    ModelHandle,
    default_args,
    follow_edge_params,
    integrate,
    warm_up,
)
from pyrates_core.backend import (
    CodegenOptions,
    GeneratedCode,
    LoadedModel,
    OptionSpec,
    SimulationRequest,
    SimulationResult,
    SolverSpec,
)
from pyrates_core.generated_files import import_module_file
from pyrates_core.system import SystemIR

__all__ = ["NumpyBackend"]

_counter = itertools.count()
CACHE_ENV = "PYRATES_CACHE_DIR"


def cache_dir() -> Path | None:
    """Folder of the persistent numba cache, or None if disabled or not writable.

    ``$PYRATES_CACHE_DIR`` if set (``off``, ``0`` or empty disable it), else
    ``$XDG_CACHE_HOME/pyrates`` or ``~/.cache/pyrates``; compiled models live in its
    ``numpy-backend`` sub-folder and can be deleted at any time.
    """
    env = os.environ.get(CACHE_ENV)
    if env is not None and env.strip().lower() in ("", "0", "off", "none", "false"):
        return None
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", "") or
                                      Path.home() / ".cache") / "pyrates"
    folder = base / "numpy-backend"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _persistent_copy(source: str, key: str) -> Path | None:
    """A copy of a numba module whose functions cache their machine code on disk.

    The copy is written once and never rewritten (numba invalidates its cache when the
    file's time stamp changes), so a later process that generates the same source loads the
    compiled code instead of compiling again (0.1-0.3 s instead of 2-3 s).
    """
    folder = cache_dir()
    if folder is None:
        return None
    target = folder / f"model_{key[:24]}.py"
    if not target.exists():
        tmp = folder / f".{target.name}.{os.getpid()}.tmp"
        try:
            tmp.write_text(source.replace("@njit(cache=False", "@njit(cache=True"))
            os.replace(tmp, target)
        except OSError:
            return None
    return target


def _on_disk(key: str) -> bool:
    """Whether numba's disk cache holds machine code for the module with hash ``key``."""
    folder = cache_dir()
    if folder is None or not (folder / f"model_{key[:24]}.py").exists():
        return False
    return any((folder / "__pycache__").glob(f"model_{key[:24]}*.nbi"))


def _write_source(code: GeneratedCode, workdir: Path, file_name: str) -> Path:
    """Write the module to ``workdir / file_name`` (suffix ``.py``) and return its path."""
    path = workdir / Path(file_name).name
    if path.suffix != code.suffix:
        path = path.with_suffix(code.suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code.source)
    return path



def _exec_in_memory(source: str, key: str) -> ModuleType:
    """Execute a generated module without writing a file.

    The source is registered with :mod:`linecache` under a pseudo file name, so tracebacks
    and numba's error messages still show the generated lines.
    """
    filename = f"<pyrates generated {key[:16]}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = ModuleType(f"_pyrates_generated_{key[:16]}_{next(_counter)}")
    module.__file__ = filename
    exec(compile(source, filename, "exec"), module.__dict__)  # noqa: S102 - our generated code
    return module


PROBE_STEPS = 64
"""Steps of the NumPy loop timed by the probe of the automatic numba choice."""
PROBE_MAX_EDGES = 200_000
"""Networks with more edges skip the probe (building its arguments takes long): compiling
pays for them at any useful run length."""

_numpy_seconds: dict[str, float] = {}
"""Pure-NumPy run time so far in this process, by the hash of the NumPy source."""


def _estimate_numpy_run(system: SystemIR, options: CodegenOptions, source: str,
                        layout: Any) -> float:
    """Expected seconds of a pure-NumPy fixed-step run: a probe of the generated loop.

    The NumPy module is executed in memory (no file) and its stepping loop run for
    8 and ``8 + PROBE_STEPS`` steps (best of two each), nothing recorded; the difference
    divided by :data:`PROBE_STEPS` is the time per step.
    """
    if options.solver not in EVALS_PER_STEP or options.adaptive or not options.n_steps:
        raise ValueError(f"no estimate for solver {options.solver!r}")
    if not options.step_size:
        raise ValueError("no step size")
    if sum(len(b.source_idx) for b in system.edges) > PROBE_MAX_EDGES:
        return float("inf")
    module = ModuleType("_pyrates_probe")
    exec(compile(source, "<pyrates probe>", "exec"), module.__dict__)  # noqa: S102 - our code
    handle = ModelHandle(module, layout, False, system, options.func_name)
    dt = float(options.step_size)

    def seconds(n: int) -> float:
        request = SimulationRequest(simulation_time=n * dt, step_size=dt,
                                    solver=options.solver)
        return float(integrate(handle, request).stats["run_time"])

    short, long = (min(seconds(n) for _ in range(2)) for n in (8, 8 + PROBE_STEPS))
    per_step = max(long - short, 0.0) / PROBE_STEPS  # without the fixed cost of a call
    return per_step * options.n_steps


_MAX_CACHED = 32
_modules: OrderedDict[str, ModuleType] = OrderedDict()
"""Imported generated modules by the hash of their source: a model generated again (another run
of the same circuit, new parameter values, a sweep) skips the import and numba compilation.
Only code is shared; parameter values always come from the new system."""


class NumpyBackend:
    """PyRates backend that generates a standalone NumPy module (numba-compiled if enabled).

    ``CodegenOptions.extra``: ``{'numba': bool}`` (default: automatic, see ``jit.choose_numba``;
    see :mod:`pyrates_backend_numpy.jit`).
    """

    name = "numpy"
    solvers: frozenset[str] = SOLVERS
    functions: frozenset[str] = SUPPORTED_FUNCTIONS
    file_suffix = ".py"
    in_memory_load = True
    """:meth:`load` without ``file_name`` writes nothing below ``workdir`` (the frontend then
    creates no temporary folder)."""
    capabilities: frozenset[str] = frozenset(
        {"delays", "distributed_delays", "adaptive", "complex", "float32", "jit", "execute",
         "batch", "batch_inputs", "jacobian", "delay_params"})
    """``batch``/``batch_inputs``: the sets of ``request.batch_params`` and
    ``request.batch_inputs`` run on the one loaded (and compiled) model, no recompilation.
    With numba and a fixed-step solver each set is one call of the compiled loop, one slice
    of sets per thread (:mod:`pyrates_backend_numpy.batch`; ``nogil``, one thread per CPU,
    ``$PYRATES_BATCH_THREADS`` caps them); otherwise one after the other
    (:func:`pyrates_core.runtime.run_batch`). ``delay_params``:
    delay tables are built at integration time from the (overridden) delay parameters."""
    solver_specs: tuple[SolverSpec, ...] = (
        SolverSpec("euler", adaptive=False, order=1, doc="explicit Euler"),
        SolverSpec("heun", adaptive=False, order=2, doc="Heun (explicit trapezoidal)"),
        SolverSpec("rk4", adaptive=False, order=4, doc="classical Runge-Kutta"),
        SolverSpec("scipy", adaptive=True, options=(
            OptionSpec("method", (str,), "RK45", "scipy.integrate.solve_ivp method",
                       ("RK45", "RK23", "DOP853", "LSODA", "BDF", "Radau")),
            OptionSpec("rtol", (float,), 1e-6, "relative tolerance"),
            OptionSpec("atol", (float,), 1e-9, "absolute tolerance"),
            OptionSpec("max_step", (float,), None, "largest step"),
            OptionSpec("first_step", (float,), None, "first step"),
        ), doc="scipy.integrate.solve_ivp with dense-output delay history"),
    )
    option_specs: tuple[OptionSpec, ...] = (
        OptionSpec("numba", (bool,), None,
                   "JIT-compile the vector field and the time loop (default: automatic)"),
    )

    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the module source for ``system`` (no file-system access)."""
        if options.target == "jacobian":
            return generate_jacobian(self.name, system, options)
        generated: dict[bool, tuple[str, Any]] = {}

        def source_for(jit: bool) -> tuple[str, Any]:
            if jit not in generated:
                generated[jit] = generate_source(system, options, jit)
            return generated[jit]

        def cached() -> bool:
            key = hashlib.sha256(source_for(True)[0].encode()).hexdigest()
            return key in _modules or _on_disk(key)

        def numpy_key() -> str:
            return hashlib.sha256(source_for(False)[0].encode()).hexdigest()

        numba, reason = choose_numba(
            options.extra, options.n_steps, cached,
            lambda: _estimate_numpy_run(system, options, *source_for(False)),
            lambda: _numpy_seconds.get(numpy_key(), 0.0))
        source, layout = source_for(numba)
        return GeneratedCode(
            backend=self.name,
            source=source,
            suffix=self.file_suffix,
            func_name=options.func_name,
            arg_names=list(layout.arg_names),
            system=system,
            options=options,
            metadata={"layout": layout, "numba": numba, "numba_reason": reason,
                      "numpy_key": None if numba else numpy_key(),
                      "loop_solver": loop_solver(options, numba)},
        )

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None) -> LoadedModel:
        """Import the generated module and (numba) compile the loop.

        With ``file_name`` the source is written to ``workdir / file_name`` and imported from
        there (``LoadedModel.path``). Without it nothing is written below ``workdir``: the module
        is taken from this process's cache of imported models (same source: no import, no
        compilation), from the numba disk cache (:func:`cache_dir`), or executed in memory
        (``LoadedModel.path`` is then None).
        """
        if code.metadata.get("jacobian"):
            return load_jacobian(code, workdir, file_name)
        key = hashlib.sha256(code.source.encode()).hexdigest()
        path = _write_source(code, Path(workdir), file_name) if file_name else None
        if key in _modules:  # same generated source: reuse the imported (and JIT-ed) module
            _modules.move_to_end(key)
            code.metadata["compile_time"] = 0.0
            return self._loaded(code, _modules[key], path)
        numba = bool(code.metadata["numba"])
        cached_file = _persistent_copy(code.source, key) if numba else None
        if cached_file is not None:  # stays importable: numba's disk cache refers to it
            module = import_module_file(cached_file, f"_pyrates_cached_{key[:24]}", keep=True)
        elif path is not None:
            module = import_module_file(path, f"_pyrates_generated_{path.stem}_{next(_counter)}",
                                  keep=False)
        else:
            module = _exec_in_memory(code.source, key)
        loaded = self._loaded(code, module, path)
        start = time.perf_counter()
        if numba:
            warm_up(loaded.handle, code.options)
        code.metadata["compile_time"] = time.perf_counter() - start
        _modules[key] = module
        while len(_modules) > _MAX_CACHED:
            _modules.popitem(last=False)
        return loaded

    def _for_solver(self, model: LoadedModel, solver: str) -> LoadedModel:
        """``model`` generated and loaded again with its numba loop for ``solver``."""
        code = model.code
        extra = {**code.options.extra, "numba": True}
        options = dataclasses.replace(code.options, solver=solver, extra=extra)
        again = self.generate(code.system, options)
        again.metadata["numba_reason"] = code.metadata.get("numba_reason", "")
        return self.load(again, Path(tempfile.gettempdir()))

    @staticmethod
    def _loaded(code: GeneratedCode, module: ModuleType, path: Path | None) -> LoadedModel:
        handle = ModelHandle(module, code.metadata["layout"], bool(code.metadata["numba"]),
                             code.system, code.func_name)
        return LoadedModel(code=code, path=path,
                           func=follow_edge_params(handle, getattr(module, code.func_name)),
                           args=default_args(handle), handle=handle)

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate ``model`` (solvers: euler, heun, rk4, scipy).

        A numba loop generated for one fixed-step method (``CodegenOptions.solver``) asked for
        another is generated and compiled again for that method (once per process).
        """
        only = model.code.metadata.get("loop_solver")
        if only is not None and request.solver in LOOP_METHODS and request.solver != only:
            model = self._for_solver(model, request.solver)
        result = None
        if request.batch_params or request.batch_inputs:
            result = integrate_batch(model.handle, request)
        if result is None:
            result = integrate(model.handle, request)
        result.stats["numba_reason"] = model.code.metadata.get("numba_reason", "")
        key = model.code.metadata.get("numpy_key")
        if key is not None:  # rent-or-buy: NumPy time spent on this model (jit.choose_numba)
            _numpy_seconds[key] = _numpy_seconds.get(key, 0.0) + result.stats.get("run_time", 0)
        return result
