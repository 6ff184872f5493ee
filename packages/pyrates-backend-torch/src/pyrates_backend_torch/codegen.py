"""Generation of the torch module of a system: ``vector_field`` and ``observe``.

The statement plan is :func:`pyrates_core.tensor_codegen.build_module`; this module gives it
the torch dialect: the helper functions the printed code calls and the expression printer.
"""

from __future__ import annotations

from pyrates_backend_torch.printer import TorchCodePrinter, numeric_constants
from pyrates_core.system import SystemIR
from pyrates_core.tensor_codegen import OBSERVE, TensorDialect, TensorLayout, build_module

__all__ = ["DIALECT", "HELPERS", "Layout", "OBSERVE", "build_source"]

Layout = TensorLayout
"""Argument layout of the generated functions (``TensorLayout``)."""

HELPERS = '''
def _fit(v, y, n):
    """v broadcast to (batch, n) with the dtype and device of y."""
    return torch.broadcast_to(torch.as_tensor(v, dtype=y.dtype, device=y.device),
                              (y.shape[0], n))


def _pair(a, b):
    """Both arguments as tensors of a common dtype and device."""
    ref = a if torch.is_tensor(a) else b
    return (torch.as_tensor(a, dtype=ref.dtype, device=ref.device),
            torch.as_tensor(b, dtype=ref.dtype, device=ref.device))


def _maxi(a, b):
    """Element-wise maximum."""
    return torch.maximum(*_pair(a, b))


def _mini(a, b):
    """Element-wise minimum."""
    return torch.minimum(*_pair(a, b))


def _cat(*xs):
    """Concatenate along the element axis, broadcasting the batch axis."""
    ref = next(x for x in xs if torch.is_tensor(x))
    ts = [torch.as_tensor(x, dtype=ref.dtype, device=ref.device) for x in xs]
    ts = [x.reshape(1, 1) if x.dim() == 0 else x for x in ts]
    b = max(x.shape[0] for x in ts)
    return torch.cat([x.expand(b, x.shape[1]) for x in ts], dim=-1)


def _dot(a, b):
    """numpy.dot with leading batch axes: matrix (1|B, n, m) times vector (1|B, m)."""
    a, b = _pair(a, b)
    if a.dim() == 3 and b.dim() == 2:
        return torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)
    if a.dim() == 2 and b.dim() == 2:
        return torch.sum(a * b, dim=-1, keepdim=True)
    return torch.matmul(a, b)


def _interp(x, xp, fp):
    """Piecewise-linear interpolation as numpy.interp (constant beyond the ends)."""
    xp, fp = xp.reshape(-1), fp.reshape(-1)
    i = torch.clamp(torch.searchsorted(xp, x.contiguous(), right=True), 1, xp.shape[0] - 1)
    x0, x1, f0, f1 = xp[i - 1], xp[i], fp[i - 1], fp[i]
    mid = f0 + (x - x0) * (f1 - f0) / (x1 - x0)
    return torch.where(x <= xp[0], fp[0], torch.where(x >= xp[-1], fp[-1], mid))


def _dense(x, mat):
    """Undelayed edges as a matrix product: (batch, n_source) -> (batch, n_target)."""
    return (mat @ x.unsqueeze(-1)).squeeze(-1)


def _scatter(v, tgt, n):
    """out[:, tgt[e]] += v[:, e], out of place."""
    return torch.zeros(v.shape[0], n, dtype=v.dtype, device=v.device).index_add(1, tgt, v)
'''

DIALECT = TensorDialect(
    module="torch", helpers=HELPERS, reserved=frozenset({"torch"}), printer=TorchCodePrinter,
    prepare=numeric_constants,
    concat="{module}.cat([{parts}], dim=-1)")
"""How the torch backend spells the generated module."""


def build_source(system: SystemIR, func_name: str, header: str) -> tuple[str, Layout]:
    """Source text of the torch module of ``system`` and its argument layout."""
    return build_module(system, func_name, header, DIALECT)
