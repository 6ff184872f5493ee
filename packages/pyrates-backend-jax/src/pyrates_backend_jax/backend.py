"""The :class:`JaxBackend`: generate, load and integrate ``jax.numpy`` models."""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from pyrates_backend_jax.codegen import OBSERVE, Layout, edge_weight_vector, generate_source
from pyrates_backend_jax.jacobian import generate_jacobian, load_jacobian
from pyrates_backend_jax.printer import SUPPORTED_FUNCTIONS
from pyrates_backend_jax.simulate import (
    LoopConfig,
    build_loop,
    delayed_indices,
    item_entries,
    static_delays,
    undelayed_indices,
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
from pyrates_core.errors import DivergenceError, SolverError, VariableNotFoundError
from pyrates_core.fitting import FitRequest, FitResult
from pyrates_core.runtime import batch_member, batch_size, check_history, sampling
from pyrates_core.system import SystemIR
from pyrates_core.tensor_backend import check_backend_options

__all__ = ["JaxBackend", "ModelHandle", "Simulation"]

_counter = itertools.count()
_TARGETS = ("simulate", "vector_field", "jacobian")
_CHECKPOINT = OptionSpec("checkpoint", (int,), None,
                         "gradient checkpointing: steps per recomputed segment of the time loop, "
                         "rounded down to whole sampling intervals (jax.checkpoint; less memory "
                         "under jax.grad, e.g. in fit; default: off)")


def enable_x64(system: SystemIR) -> None:
    """Switch JAX to 64-bit floats for float64 systems (a process-wide JAX setting)."""
    if system.dtype == "float64" and not jax.config.read("jax_enable_x64"):
        jax.config.update("jax_enable_x64", True)


_MAX_CACHED = 32
_LOOPS: OrderedDict[Any, Any] = OrderedDict()
"""(structure key, LoopConfig, batch axes) -> jitted loop, shared by every model of the same
structure: a circuit built and run again (new parameter values, new initial state) compiles
nothing."""
_COMPILED: OrderedDict[Any, Any] = OrderedDict()
"""(structure key, LoopConfig, batch axes, argument shapes) -> compiled executable."""


def _cached(cache: OrderedDict[Any, Any], key: Any, make: Any) -> tuple[Any, bool]:
    """``cache[key]``, made with ``make()`` if missing (least recently used ones dropped)."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key], True
    cache[key] = make()
    while len(cache) > _MAX_CACHED:
        cache.popitem(last=False)
    return cache[key], False


def structure_key(code: GeneratedCode) -> str:
    """Hash of everything the compiled loop depends on besides parameter values."""
    system, layout = code.system, code.metadata["layout"]
    h = hashlib.sha256(code.source.encode())
    h.update(repr((system.dtype, system.is_complex, [(s.name, s.start, s.size)
                                                     for s in system.states],
                   [a.name for a in system.assignments], layout.params, layout.inputs,
                   [(n, np.shape(p.value), np.asarray(p.value).dtype.str)
                    for n, p in system.params.items()],
                   [str(d.past) for d in layout.delayed])).encode())
    for b in system.edges:
        h.update(repr((b.source, b.n_source, b.n_target, b.weights)).encode())
        delays = b.delays > 0 if b.delay_param is not None else b.delays  # values: params
        for arr in (b.source_idx, b.target_idx, delays):
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


@dataclass
class ModelHandle:
    """Backend-private part of a loaded model: the module and its structure key."""

    module: ModuleType
    layout: Layout
    system: SystemIR
    func_name: str
    key: str = ""
    """See :func:`structure_key`."""

    @property
    def vector_field(self) -> Any:
        """The generated vector field."""
        return getattr(self.module, self.func_name)

    @property
    def observe(self) -> Any:
        """The generated function of the algebraic variables."""
        return getattr(self.module, OBSERVE)


@dataclass
class Simulation:
    """A prepared simulation: a pure JAX function of parameter values.

    ``run(params)`` takes a dict of parameter values (IR names, see
    ``model.code.system.params``; missing ones keep their defaults) and returns
    ``(outputs, final_state)`` as JAX arrays; it can be jitted, differentiated with
    ``jax.grad`` and vectorized with ``jax.vmap``.
    """

    handle: ModelHandle
    config: LoopConfig
    defaults: dict[str, Any]
    y0: Any
    series: tuple[Any, ...]
    time: np.ndarray

    def loop(self, batch_axes: tuple[int | None, ...] | None = None,
             config: LoopConfig | None = None,
             series_axes: tuple[int | None, ...] | None = None) -> Any:
        """The jitted loop (vectorized over the parameters with ``batch_axes`` and over the
        input series with ``series_axes``, if given).
        """
        h = self.handle
        cfg = config or self.config

        def make() -> Any:
            run = build_loop(h.system, h.layout, h.vector_field, h.observe, cfg)
            if batch_axes is not None:
                run = jax.vmap(run, in_axes=(batch_axes, None, series_axes))
            return jax.jit(run)

        return _cached(_LOOPS, (h.key, cfg, batch_axes, series_axes), make)[0]

    def with_batch_inputs(self, request: SimulationRequest
                          ) -> tuple[Simulation, tuple[int | None, ...]]:
        """This simulation with the series of ``request.batch_inputs`` stacked (one per set)
        and the ``series_axes`` of :meth:`loop`.
        """
        system, layout = self.handle.system, self.handle.layout
        n, n_steps = batch_size(request), sampling(request).n_steps
        per_set = [_input_series(system, layout, batch_member(request, b).inputs, n_steps)
                   for b in range(n)]
        series, axes = [], []
        for i, name in enumerate(layout.inputs):
            if name not in request.batch_inputs:
                series.append(self.series[i])
                axes.append(None)
                continue
            rows = max(s[i].shape[0] for s in per_set)
            series.append(jnp.stack([jnp.broadcast_to(s[i], (rows, s[i].shape[1]))
                                     for s in per_set]))
            axes.append(0)
        return replace(self, series=tuple(series)), tuple(axes)

    def _config_for(self, params: dict[str, Any]) -> LoopConfig:
        """The loop configuration with interpolated reads for traced delay parameters."""
        return self.interpolating({n for n, v in params.items() if not _concrete(v)})

    def interpolating(self, traced: set[str]) -> LoopConfig:
        """The loop configuration whose reads through the delay parameters in ``traced``
        always interpolate (so that their lag coefficients carry a derivative).
        """
        system, layout = self.handle.system, self.handle.layout
        exact = list(self.config.exact)
        for k, item in enumerate(layout.delayed):
            if item.bundle is not None and system.edges[item.bundle].delay_param in traced:
                exact[k] = tuple(False for _ in exact[k])
        return replace(self.config, exact=tuple(exact))

    def values(self, params: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """Parameter values in argument order, ``params`` overriding the defaults."""
        return _merge(self.handle.system, self.defaults, params or {})

    def run(self, params: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        """Outputs (key -> ``(n_samples, n_indices)``) and the final state, as JAX arrays."""
        config = self._config_for(params or {})
        recs, _, y_end = self.loop(config=config)(self.values(params), self.y0, self.series)
        return recs, y_end


def _merge(system: SystemIR, defaults: dict[str, Any], params: dict[str, Any]
           ) -> tuple[Any, ...]:
    """Parameter values in the system's order, ``params`` (checked and cast) over ``defaults``."""
    merged = dict(defaults)
    for name, value in params.items():
        if name not in merged:
            raise VariableNotFoundError(f"parameter '{name}' is not part of the model; known "
                                        f"parameters: {', '.join(sorted(merged))}")
        merged[name] = _cast(system, name, value)
    return tuple(merged[n] for n in system.params)


def _cast(system: SystemIR, name: str, value: Any) -> Any:
    """A parameter value of the system's dtype and the parameter's shape (numpy if concrete)."""
    ref = np.asarray(system.params[name].value)
    dtype = system.value_dtype if ref.dtype.kind in "fcb" else ref.dtype
    xp = np if _concrete(value) else jnp
    arr = xp.asarray(value)
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    if arr.shape != ref.shape:
        if arr.size != ref.size:
            raise SolverError(f"parameter '{name}' has shape {ref.shape}; the value given has "
                              f"shape {arr.shape}")
        arr = arr.reshape(ref.shape)
    return arr


def _concrete(value: Any) -> bool:
    return not isinstance(value, jax.core.Tracer)


class JaxBackend:
    """PyRates backend that generates ``jax.numpy`` code and runs it in a jitted ``lax.scan``.

    Fixed-step solvers euler, heun and rk4; delays through ring buffers; ``batch_params``
    through ``jax.vmap``; results differentiable with ``jax.grad`` (see :meth:`simulation`).
    """

    name = "jax"
    solvers: frozenset[str] = frozenset({"euler", "heun", "rk4"})
    functions: frozenset[str] = SUPPORTED_FUNCTIONS
    file_suffix = ".py"
    capabilities: frozenset[str] = frozenset(
        {"delays", "distributed_delays", "complex", "float32", "batch", "batch_inputs", "grad",
         "jit", "execute", "jacobian", "delay_params"})
    solver_specs: tuple[SolverSpec, ...] = (
        SolverSpec("euler", adaptive=False, order=1, doc="explicit Euler"),
        SolverSpec("heun", adaptive=False, order=2, doc="Heun (explicit trapezoidal)"),
        SolverSpec("rk4", adaptive=False, order=4, doc="classical Runge-Kutta"),
    )
    option_specs: tuple[OptionSpec, ...] = (_CHECKPOINT,)

    # -- code --------------------------------------------------------------------------
    def generate(self, system: SystemIR, options: CodegenOptions) -> GeneratedCode:
        """Generate the module source for ``system`` (no file-system access)."""
        if options.target not in _TARGETS:
            raise SolverError(f"the jax backend generates the targets {', '.join(_TARGETS)}, "
                              f"not '{options.target}'")
        if options.target == "jacobian":
            return generate_jacobian(system, options)
        check_backend_options("jax", self.option_specs, options.extra)
        source, layout = generate_source(system, options)
        return GeneratedCode(backend=self.name, source=source, suffix=self.file_suffix,
                             func_name=options.func_name, arg_names=list(layout.arg_names),
                             system=system, options=options, metadata={"layout": layout})

    def load(self, code: GeneratedCode, workdir: Path, file_name: str | None = None
             ) -> LoadedModel:
        """Write the source below ``workdir`` and execute it as a module."""
        if code.metadata.get("jacobian"):
            return load_jacobian(code, workdir, file_name)
        enable_x64(code.system)
        workdir = Path(workdir)
        name = Path(file_name).name if file_name else f"pyrates_jax_model_{next(_counter)}"
        path = (workdir / name).with_suffix(code.suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code.source)
        module = ModuleType(f"_pyrates_jax_{path.stem}")
        module.__file__ = str(path)
        exec(compile(code.source, str(path), "exec"), module.__dict__)  # noqa: S102 - our code
        handle = ModelHandle(module, code.metadata["layout"], code.system, code.func_name,
                             structure_key(code))
        return LoadedModel(code=code, path=path, func=handle.vector_field,
                           args=default_args(handle), handle=handle)

    # -- simulation --------------------------------------------------------------------
    def simulation(self, model: LoadedModel, request: SimulationRequest) -> Simulation:
        """Prepare ``request`` as a pure JAX function of the parameters (for ``jax.grad``).

        Parameter values in ``request.param_values`` become the defaults of
        :meth:`Simulation.run`; ``batch_params`` are not used here (see :meth:`integrate`).
        """
        handle: ModelHandle = model.handle
        system, layout = handle.system, handle.layout
        enable_x64(system)
        if layout.per_edge_delays:
            raise SolverError("this model was generated for the 'vector_field' target (its "
                              "delayed inputs are per-edge values); generate it with "
                              "CodegenOptions(target='simulate') to simulate it")
        if request.solver not in self.solvers:
            raise SolverError(f"solver '{request.solver}' is not supported by the jax backend; "
                              f"choose one of: {', '.join(sorted(self.solvers))}")
        if request.solver_options:
            raise SolverError(f"the fixed-step solver '{request.solver}' takes no options; got "
                              f"{', '.join(sorted(request.solver_options))}")
        check_history(request.history)
        plan = sampling(request)
        n_steps, stride, n_samples = plan.n_steps, plan.stride, plan.n_samples
        if n_samples < 1:
            raise SolverError(f"sampling_step_size ({stride * request.step_size:g}) must not "
                              f"exceed simulation_time ({request.simulation_time:g})")
        dt = float(request.step_size)
        defaults = {n: _cast(system, n, p.value) for n, p in system.params.items()}
        given = dict(zip(layout.params, _merge(system, defaults, request.param_values)))
        concrete = [{n: (np.asarray(v) if _concrete(v) else np.asarray(system.params[n].value))
                     for n, v in given.items()}]
        for k in range(_batch_size(system, request.batch_params)):
            concrete.append({**concrete[0], **{n: np.asarray(v[k])
                                               for n, v in request.batch_params.items()}})
        traced = frozenset(n for n, v in given.items() if not _concrete(v))
        lengths, exact = static_delays(system, layout, concrete, dt, request.solver, traced)
        config = LoopConfig(request.solver, dt, n_steps, stride, n_samples, request.history,
                            lengths, exact, _outputs(system, request.outputs),
                            model.code.options.extra.get("checkpoint"))
        sim = Simulation(handle, config, given, _initial_state(system, request),
                         _input_series(system, layout, request.inputs, n_steps), plan.times)
        return sim

    def integrate(self, model: LoadedModel, request: SimulationRequest) -> SimulationResult:
        """Simulate ``model`` (euler, heun or rk4; ``batch_params`` vectorized with vmap).

        ``stats``: ``compile_time`` (jit compilation, 0 when the compiled loop is reused),
        ``run_time`` and ``run_cpu_time`` (wall-clock and CPU time of the loop alone). If a
        parameter value is a JAX tracer (the call is inside ``jax.grad``/``jax.jit``), the
        outputs and the final state are returned as JAX arrays and not checked for divergence.
        """
        sim = self.simulation(model, request)
        system = sim.handle.system
        batch = {n: _cast_batch(system, n, v) for n, v in request.batch_params.items()}
        pvals = sim.values()
        axes = series_axes = None
        if request.batch_inputs:  # one input series per set, vectorized with the parameters
            sim, series_axes = sim.with_batch_inputs(request)
        if batch or series_axes is not None:
            axes = tuple(0 if n in batch else None for n in sim.handle.layout.params)
            pvals = tuple(batch.get(n, v) for n, v in zip(sim.handle.layout.params, pvals))
        loop = sim.loop(axes, series_axes=series_axes)
        args = (pvals, sim.y0, sim.series)
        if not all(_concrete(v) for v in pvals):
            recs, _, y_end = loop(*args)
            return SimulationResult(sim.time, recs, y_end, {"solver": request.solver})
        key = (sim.handle.key, sim.config, axes, series_axes,
               tuple((jnp.shape(a), jnp.result_type(a)) for a in jax.tree_util.tree_leaves(args)))
        t0 = time.perf_counter()
        compiled, cached = _cached(_COMPILED, key, lambda: loop.lower(*args).compile())
        t1, c1 = time.perf_counter(), time.process_time()
        recs, finite, y_end = jax.block_until_ready(compiled(*args))
        t2, c2 = time.perf_counter(), time.process_time()
        outputs = {k: np.asarray(v) for k, v in recs.items()}
        final = np.asarray(y_end)
        _check_finite(system, sim.time, np.asarray(finite), final, float(request.simulation_time))
        stats = {"compile_time": t1 - t0, "run_time": t2 - t1, "run_cpu_time": c2 - c1,
                 "jit_cached": cached,
                 "n_steps": sim.config.n_steps, "solver": request.solver}
        return SimulationResult(sim.time, outputs, final, stats)


    # -- fitting (pyrates_core.fitting.GradientBackend) --------------------------------
    def fit(self, model: LoadedModel, request: FitRequest) -> FitResult:
        """Optimise the trainables with ``jax.grad`` and an optax optimizer (needs optax)."""
        from pyrates_backend_jax import fit as _fit

        return _fit.fit(self.simulation(model, request.simulation), request)

    def value_and_grad(self, model: LoadedModel, request: FitRequest,
                       values: dict[str, float] | None = None) -> tuple[float, dict[str, float]]:
        """Loss and its gradient with respect to every trainable (by name) at ``values``."""
        from pyrates_backend_jax import fit as _fit

        return _fit.value_and_grad(self.simulation(model, request.simulation), request, values)


# -- request checks ------------------------------------------------------------------------
def _initial_state(system: SystemIR, request: SimulationRequest) -> Any:
    y0 = system.initial_state() if request.initial_state is None else \
        np.asarray(request.initial_state)
    if y0.shape != (system.n_state,):
        raise SolverError(f"initial_state must have shape ({system.n_state},), got {y0.shape}")
    return jnp.asarray(y0, dtype=system.value_dtype)


def _input_series(system: SystemIR, layout: Layout, inputs: dict[str, Any], n_steps: int
                  ) -> tuple[Any, ...]:
    unknown = set(inputs) - set(system.inputs)
    if unknown:
        raise VariableNotFoundError(f"input(s) {sorted(unknown)} are not part of the model; "
                                    f"model inputs: {sorted(system.inputs)}")
    out = []
    for name in layout.inputs:
        spec = system.inputs[name]
        if name not in inputs:
            out.append(jnp.asarray(spec.default, system.value_dtype).reshape(1, spec.size))
            continue
        arr = np.asarray(inputs[name], dtype=system.value_dtype)
        if arr.ndim == 1 and spec.size == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != spec.size:
            raise SolverError(f"input '{name}' must have shape (n_steps, {spec.size}), got "
                              f"{arr.shape}")
        if arr.shape[0] != 1 and arr.shape[0] < n_steps:
            raise SolverError(f"input '{name}' has {arr.shape[0]} rows; the simulation has "
                              f"{n_steps} steps")
        out.append(jnp.asarray(arr))
    return tuple(out)


def _outputs(system: SystemIR, outputs: dict[str, tuple[str, Any]]
             ) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    sizes = system.symbol_sizes()
    out = []
    for key, (sym, idx) in outputs.items():
        if sym not in sizes:
            raise VariableNotFoundError(f"output '{key}': '{sym}' is neither a state, an "
                                        "assignment nor an input of the model")
        ix = tuple(int(i) for i in np.atleast_1d(np.asarray(idx, dtype=np.int64)))
        if any(i < 0 or i >= sizes[sym] for i in ix):
            raise VariableNotFoundError(f"output '{key}': indices {list(ix)} out of range for "
                                        f"'{sym}' of size {sizes[sym]}")
        out.append((key, sym, ix))
    return tuple(out)


def _batch_size(system: SystemIR, batch: dict[str, Any]) -> int:
    sizes = set()
    for name, value in batch.items():
        if name not in system.params:
            raise VariableNotFoundError(f"batch parameter '{name}' is not part of the model; "
                                        f"known parameters: {', '.join(sorted(system.params))}")
        shape = np.shape(system.params[name].value)
        arr = np.asarray(value)
        if arr.ndim < 1 or int(np.prod(arr.shape[1:])) != int(np.prod(shape)):
            raise SolverError(f"batch parameter '{name}' must have shape (B, {shape}), got "
                              f"{arr.shape}")
        sizes.add(arr.shape[0])
    if len(sizes) > 1:
        raise SolverError(f"batch parameters have different batch sizes {sorted(sizes)}")
    return sizes.pop() if sizes else 0


def _cast_batch(system: SystemIR, name: str, value: Any) -> Any:
    arr = jnp.asarray(value)
    ref = np.asarray(system.params[name].value)
    arr = arr.reshape((arr.shape[0], *ref.shape))
    dtype = system.value_dtype if ref.dtype.kind in "fcb" else ref.dtype
    return arr.astype(dtype)


def _check_finite(system: SystemIR, times: np.ndarray, finite: np.ndarray, final: np.ndarray,
                  t_end: float) -> None:
    ok = np.asarray(finite.reshape(-1, times.size).all(axis=0))
    final = final.reshape(-1, system.n_state)
    if ok.all() and np.isfinite(final).all():
        return
    t = float(times[np.argmin(ok)]) if not ok.all() else t_end
    bad = [s.name for s in system.states
           if not np.isfinite(final[:, s.start:s.start + s.size]).all()]
    raise DivergenceError(f"the simulation diverged: state variable(s) {', '.join(bad)} became "
                          f"non-finite by t = {t:g}; try a smaller step size or check the "
                          "parameters")


def default_args(handle: ModelHandle) -> tuple[Any, ...]:
    """Default arguments of the vector field.

    Parameters, default inputs, edge indices, and the delayed values of a constant history
    equal to the initial state.
    """
    system, layout = handle.system, handle.layout
    params = {n: _cast(system, n, p.value) for n, p in system.params.items()}
    head = [params[n] for n in layout.params]
    head += [np.asarray(system.inputs[i].default, system.value_dtype) for i in layout.inputs]
    head += undelayed_indices(system, layout) + delayed_indices(system, layout)
    if not layout.delayed:
        return tuple(head)
    sizes = system.symbol_sizes()
    state_names = {s.name for s in system.states}
    if all(d.symbol in state_names for d in layout.delayed):  # plain numpy, nothing to compile
        y0 = system.initial_state()
        dly = []
        for item in layout.delayed:
            x = y0[system.state(item.symbol).start:][:sizes[item.symbol]]
            if item.bundle is None:
                dly.append(x.copy())
                continue
            b = system.edges[item.bundle]
            keep = b.delays > 0
            if layout.per_edge_delays:  # unweighted, one per delayed edge
                dly.append(x[b.source_idx[keep]].copy())
                continue
            w = np.broadcast_to(np.asarray(params[b.weights]).reshape(-1) if
                                edge_weight_vector(system, item.bundle) else
                                np.asarray(params[b.weights]).reshape(-1)[:1], (b.n_edges,))
            out = np.zeros(item.n_out, system.value_dtype)
            np.add.at(out, b.target_idx[keep], w[keep] * x[b.source_idx[keep]])
            dly.append(out)
        return (*head, *dly)

    def delayed_values(y0: Any, head: list[Any]) -> list[Any]:
        values = {s.name: y0[s.start:s.start + s.size] for s in system.states}
        dly = [jnp.zeros(d.n_out, system.value_dtype) for d in layout.delayed]
        for _ in range(2 if any(d.symbol not in values for d in layout.delayed) else 1):
            if system.assignments:
                obs = handle.observe(0.0, y0, *head, *dly)
                values.update({a.name: v for a, v in zip(system.assignments, obs)})
            for k, item in enumerate(layout.delayed):
                _, w, src, out = item_entries(system, layout, k, params)
                x = values.get(item.symbol, jnp.zeros(sizes[item.symbol]))[src]
                if item.bundle is not None and layout.per_edge_delays:
                    dly[k] = x  # unweighted, one per delayed edge
                    continue
                x = x * w
                dly[k] = x if out is None else jnp.zeros(item.n_out, x.dtype).at[out].add(x)
        return dly

    dly = jax.jit(delayed_values)(system.initial_state(), head)
    return (*head, *(np.asarray(d) for d in dly))
