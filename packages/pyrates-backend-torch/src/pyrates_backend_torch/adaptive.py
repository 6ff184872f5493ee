"""Adaptive step-size integration through torchdiffeq (solver ``'torchdiffeq'``, optional).

``pip install pyrates-backend-torch[adaptive]`` installs torchdiffeq. The generated vector
field is integrated by ``torchdiffeq.odeint`` (or ``odeint_adjoint`` with ``adjoint=True``);
rows are returned on the PyRates 1.x grid (``t_k = k*s``, ``k = 0..n-1``, row 0 the initial
state) and the final state is the state at ``T``. Inputs are held constant over each step of
``step_size`` (row ``i`` on ``[i*dt, (i+1)*dt)``), as with the fixed-step solvers. Gradients
flow to the parameter tensors through the solver's operations (or the adjoint ODE).

Systems with delays are rejected: an adaptive solver has no step grid for the history
buffers; use a fixed-step solver (``'rk4'``) for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from pyrates_backend_torch.codegen import OBSERVE
from pyrates_backend_torch.solvers import (
    Handle,
    Trajectory,
    _divergence,
    _edge_args,
    _inputs,
    _param_tensors,
)
from pyrates_core.backend import OptionSpec, SimulationRequest
from pyrates_core.errors import SolverError
from pyrates_core.tensor_plan import initial_state, plan_outputs, sampling

__all__ = ["METHODS", "OPTIONS", "SOLVER", "simulate_adaptive"]

SOLVER = "torchdiffeq"
"""The solver name under which the backend offers torchdiffeq."""

METHODS: tuple[str, ...] = ("dopri5", "dopri8", "bosh3", "fehlberg2", "adaptive_heun")
"""torchdiffeq's adaptive methods accepted as ``method``."""

OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("method", (str,), "dopri5", "torchdiffeq adaptive method", METHODS),
    OptionSpec("rtol", (float,), 1e-6, "relative tolerance"),
    OptionSpec("atol", (float,), 1e-9, "absolute tolerance"),
    OptionSpec("adjoint", (bool,), False, "gradients by the adjoint ODE (odeint_adjoint)"),
)


def _torchdiffeq() -> Any:
    try:
        import torchdiffeq
    except ImportError as err:
        raise SolverError("solver 'torchdiffeq' needs the torchdiffeq package: "
                          "pip install pyrates-backend-torch[adaptive]") from err
    return torchdiffeq


def _options(request: SimulationRequest) -> dict[str, Any]:
    known = {o.name: o for o in OPTIONS}
    unknown = set(request.solver_options) - set(known)
    if unknown:
        raise SolverError(f"solver '{SOLVER}' has no option(s) {sorted(unknown)}; its options: "
                          f"{', '.join(known)}")
    return {name: spec.check(request.solver_options.get(name, spec.default),
                             f"solver '{SOLVER}'") for name, spec in known.items()}


def simulate_adaptive(h: Handle, request: SimulationRequest,
                      overrides: dict[str, torch.Tensor] | None = None) -> Trajectory:
    """Integrate with torchdiffeq; outputs stay torch tensors (differentiable)."""
    tde = _torchdiffeq()
    system, lay = h.system, h.layout
    if lay.reads:
        raise SolverError(f"solver '{SOLVER}' cannot integrate a system with delays (it has no "
                          "step grid for the history); use a fixed-step solver such as "
                          "solver='rk4' with a small step_size")
    opts = _options(request)
    if h.checkpoint is not None:
        raise SolverError(f"the option checkpoint={h.checkpoint} applies to the fixed-step "
                          f"solvers; solver '{SOLVER}' saves memory with adjoint=True instead")
    dtype = getattr(torch, str(system.value_dtype))
    if dtype.is_complex:
        raise SolverError(f"solver '{SOLVER}' integrates real systems only; use solver='rk4' "
                          "for complex ones")
    n_steps, stride, n_samples = sampling(request)
    dt = float(request.step_size)
    params, batch = _param_tensors(h, request, overrides or {}, dtype)
    series = _inputs(h, request, n_steps, dtype)
    out_plan = plan_outputs(system, request.outputs)
    y0 = initial_state(system, request)
    times = np.arange(n_samples) * stride * dt
    t_end = n_steps * dt
    grid = np.append(times, t_end) if t_end > times[-1] * (1 + 1e-12) else times
    t_eval = torch.as_tensor(grid, dtype=dtype, device=h.device)
    kw = {"method": opts["method"], "rtol": opts["rtol"], "atol": opts["atol"]}

    def member(b: int) -> tuple[torch.Tensor, Any]:
        """States on the grid of batch member ``b`` (its own step sizes) and its args()."""
        mine = {k: v[b:b + 1] if k in request.batch_params else v for k, v in params.items()}
        head = [mine[p] for p in lay.params]
        edges = _edge_args(h, mine)

        def args(t: torch.Tensor) -> list[Any]:
            i = min(max(int(float(t.detach()) / dt + 1e-9), 0), n_steps - 1)
            return [*head, *(s[i].unsqueeze(0) for s in series), *edges]

        def rhs(t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return h.func(t, y, *args(t))

        y_start = torch.as_tensor(y0, dtype=dtype, device=h.device).reshape(1, -1)
        if opts["adjoint"]:
            grads = tuple(p for p in head if p.requires_grad)
            return tde.odeint_adjoint(rhs, y_start, t_eval, adjoint_params=grads, **kw), args
        return tde.odeint(rhs, y_start, t_eval, **kw), args

    runs = [member(b) for b in range(batch)]  # each member adapts its own steps
    ys = torch.cat([r[0] for r in runs], dim=1)
    final = ys[-1]
    if not bool(torch.isfinite(final).all()):
        raise _divergence(system, final, t_end)
    ys = ys[:n_samples]
    outputs: dict[str, torch.Tensor] = {}
    for k, idx in out_plan.states.items():
        outputs[k] = ys[:, :, torch.as_tensor(idx, device=h.device)].transpose(0, 1)
    for k, (sym, idx) in out_plan.inputs.items():
        col = series[lay.inputs.index(sym)]
        rows = torch.as_tensor(np.minimum(np.arange(n_samples) * stride, n_steps - 1),
                               device=h.device)
        outputs[k] = col[rows][:, torch.as_tensor(idx, device=h.device)].unsqueeze(0) \
            .expand(batch, -1, -1)
    if out_plan.assigns:
        observe = getattr(h.module, OBSERVE)
        pos = {a.name: i for i, a in enumerate(system.assignments)}
        observed = [[observe(t_eval[j], ys[j, b:b + 1], *args(t_eval[j]))
                     for j in range(n_samples)] for b, (_, args) in enumerate(runs)]
        for k, (sym, idx) in out_plan.assigns.items():
            ix = torch.as_tensor(idx, device=h.device)
            outputs[k] = torch.cat([torch.stack([r[pos[sym]][:, ix] for r in rows], dim=1)
                                    for rows in observed], dim=0)
    ordered = {k: outputs[k] for k in request.outputs}
    return Trajectory(times, ordered, final, n_steps, bool(request.batch_params))
