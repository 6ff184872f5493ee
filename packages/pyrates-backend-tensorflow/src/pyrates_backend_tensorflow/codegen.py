"""Generation of the TensorFlow module of a system: ``vector_field`` and ``observe``.

The statement plan is :func:`pyrates_core.tensor_codegen.build_module`; this module gives it
the TensorFlow dialect: the helper functions the printed code calls and the expression printer.
"""

from __future__ import annotations

from pyrates_backend_tensorflow.printer import TensorflowCodePrinter, numeric_constants
from pyrates_core.system import SystemIR
from pyrates_core.tensor_codegen import OBSERVE, TensorDialect, TensorLayout, build_module

__all__ = ["DIALECT", "HELPERS", "Layout", "OBSERVE", "build_source"]

Layout = TensorLayout
"""Argument layout of the generated functions (``TensorLayout``)."""

HELPERS = '''
def _fit(v, y, n):
    """v broadcast to (batch, n) with the dtype of y."""
    return tensorflow.broadcast_to(tensorflow.cast(v, y.dtype), [tensorflow.shape(y)[0], n])


def _pair(a, b):
    """Both arguments as tensors of a common dtype."""
    ref = a if tensorflow.is_tensor(a) else b
    return tensorflow.cast(a, ref.dtype), tensorflow.cast(b, ref.dtype)


def _maxi(a, b):
    """Element-wise maximum."""
    return tensorflow.maximum(*_pair(a, b))


def _mini(a, b):
    """Element-wise minimum."""
    return tensorflow.minimum(*_pair(a, b))


def _where(c, a, b):
    """Element-wise choice between a and b."""
    return tensorflow.where(c, *_pair(a, b))


def _cat(*xs):
    """Concatenate along the element axis, broadcasting the batch axis."""
    ref = next(x for x in xs if tensorflow.is_tensor(x))
    ts = [tensorflow.reshape(tensorflow.cast(x, ref.dtype), [1, 1]) if not
          tensorflow.is_tensor(x) or len(x.shape) == 0 else tensorflow.cast(x, ref.dtype)
          for x in xs]
    b = tensorflow.reduce_max(tensorflow.stack([tensorflow.shape(x)[0] for x in ts]))
    return tensorflow.concat([tensorflow.broadcast_to(x, [b, tensorflow.shape(x)[1]])
                              for x in ts], axis=-1)


def _dot(a, x):
    """numpy.dot of a matrix (batched: (1|B, n, m)) and a vector ((B, m)), or of two vectors."""
    a, x = _pair(a, x)
    if len(a.shape) == len(x.shape):
        return tensorflow.reduce_sum(a * x, axis=-1, keepdims=True)
    return tensorflow.linalg.matvec(a, x)


def _randn(y):
    """One standard normal draw per batch member, shape (B, 1), in y's real dtype."""
    return tensorflow.random.normal([tensorflow.shape(y)[0], 1], dtype=y.dtype.real_dtype)


def _interp(x, xp, fp):
    """Piecewise-linear interpolation as numpy.interp (constant beyond the ends)."""
    xp, fp = tensorflow.reshape(xp, [-1]), tensorflow.reshape(fp, [-1])
    flat = tensorflow.reshape(x, [-1])
    i = tensorflow.searchsorted(xp, flat, side="right")
    i = tensorflow.clip_by_value(i, 1, tensorflow.shape(xp)[0] - 1)
    x0, x1 = tensorflow.gather(xp, i - 1), tensorflow.gather(xp, i)
    f0, f1 = tensorflow.gather(fp, i - 1), tensorflow.gather(fp, i)
    mid = f0 + (flat - x0) * (f1 - f0) / (x1 - x0)
    out = tensorflow.where(flat <= xp[0], fp[0], tensorflow.where(flat >= xp[-1], fp[-1], mid))
    return tensorflow.reshape(out, tensorflow.shape(x))


def _dense(x, mat):
    """Undelayed edges as a matrix product: (batch, n_source) -> (batch, n_target)."""
    if len(mat.shape) == 2:
        return tensorflow.matmul(x, mat, transpose_b=True)
    return tensorflow.linalg.matvec(mat, x)


def _scatter(v, tgt, n):
    """out[:, tgt[e]] += v[:, e]."""
    return tensorflow.transpose(tensorflow.math.unsorted_segment_sum(tensorflow.transpose(v),
                                                                     tgt, n))
'''

DIALECT = TensorDialect(
    module="tensorflow", helpers=HELPERS, reserved=frozenset({"tensorflow", "tf"}),
    printer=TensorflowCodePrinter,
    prepare=numeric_constants,
    gather="tensorflow.gather({x}, {idx}, axis=1)",
    concat="{module}.concat([{parts}], axis=-1)")
"""How the TensorFlow backend spells the generated module."""


def build_source(system: SystemIR, func_name: str, header: str) -> tuple[str, Layout]:
    """Source text of the TensorFlow module of ``system`` and its argument layout."""
    return build_module(system, func_name, header, DIALECT)
