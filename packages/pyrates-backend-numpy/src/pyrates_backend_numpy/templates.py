"""Helper functions pasted into every generated module, in a NumPy and a numba flavour.

The NumPy flavour is vectorized (the solver updates, ring-buffer writes and recording are
:data:`SHARED_HELPERS`); the numba flavour writes the same operations as element loops (its
solver updates in place, into arrays the loop allocates once), which
numba compiles much faster than array expressions inlined at every call site. Both flavours
compute the same floating-point operations in the same order, so that the numba path
reproduces the pure NumPy path (up to the last bits of ``exp`` and BLAS). ``{DTYPE}`` is
replaced by the model's numpy dtype. The numba helpers are inlined into their callers
(``inline="always"``): no separate compilation of each (about a fifth less cold compile time
for W1, same run time).
"""

from __future__ import annotations

__all__ = ["HELPER_NAMES", "NJIT", "NUMBA_HELPERS", "NUMPY_HELPERS", "SHARED_HELPERS"]

NJIT = "@njit(cache=False, fastmath=False, nogil=True)"
"""Decorator of every compiled function (the disk cache of the backend sets cache=True)."""


def _jit(source: str, inline: bool = False) -> str:
    """``source`` with :data:`NJIT` above every top-level function (``inline="always"`` too)."""
    deco = NJIT[:-1] + ', inline="always")' if inline else NJIT  # nogil: batch threads
    return source.replace("\ndef ", f"\n{deco}\ndef ")

HELPER_NAMES = (
    "_delayed_sum", "_delayed_sum_flat", "_edge_sum_sparse", "_matvec", "_step", "_heun", "_rk4",
    "_axpy", "_step_to", "_heun_in", "_rk4_in", "_push", "_record", "_all_finite", "_scatter_add",
)

SHARED_HELPERS = '''
def _step(y, h, k):
    """y + h * k."""
    return y + h * k


def _heun(y, dt, k1, k2):
    """Heun's update."""
    return y + (dt / 2) * (k1 + k2)


def _rk4(y, dt, k1, k2, k3, k4):
    """Classic Runge-Kutta update."""
    return y + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4)


def _push(buf, p, length, n, x):
    """Write x to rows p and p + length of a doubled ring buffer with rows of n values."""
    buf[p * n:(p + 1) * n] = x
    buf[(p + length) * n:(p + length + 1) * n] = x


def _record(rec, row, col, x, idx):
    """rec[row, col:col + len(idx)] = x[idx]; returns the next free column."""
    rec[row, col:col + idx.shape[0]] = x[idx]
    return col + idx.shape[0]


def _all_finite(y):
    """Whether every element of y is finite."""
    return bool(np.isfinite(y).all())
'''
"""The NumPy flavour's solver updates, ring-buffer writes and recording. The numba flavour
writes the same operations as element loops: numba compiles array expressions inlined at
every call site several times slower (W1 cold compile 2.9 s with loops, 5.5 s with these)."""

NUMPY_HELPERS = '''
def _delayed_sum(window, idx, w):
    """Delayed input, padded table: out[i] = sum_j w[j, i] * window[idx[j, i]]."""
    return np.einsum("ji,ji->i", w, window.take(idx))


def _delayed_sum_flat(window, idx, w, tgt, n):
    """Delayed input, flat table: out[tgt[e]] += w[e] * window[idx[e]]."""
    return _scatter_add(n, tgt, w * window.take(idx))


def _edge_sum_sparse(x, src, tgt, w, n):
    """Undelayed edges: out[tgt[e]] += w[e] * x[src[e]]."""
    return _scatter_add(n, tgt, w * x[src])


def _scatter_add(n, tgt, values):
    """out[tgt[e]] += values[e]."""
    if values.dtype.kind != "c":
        return np.bincount(tgt, weights=values, minlength=n).astype({DTYPE}, copy=False)
    out = np.zeros(n, dtype=values.dtype)
    np.add.at(out, tgt, values)
    return out


def _matvec(mat, x):
    """Dense undelayed edges: mat @ x."""
    return mat @ x

''' + SHARED_HELPERS

NUMBA_HELPERS = _jit(inline=True, source='''
def _delayed_sum(window, idx, w):
    """Delayed input, padded table: out[i] = sum_j w[j, i] * window[idx[j, i]]."""
    out = np.zeros(idx.shape[1], dtype=w.dtype)
    for j in range(idx.shape[0]):
        for i in range(idx.shape[1]):
            out[i] += w[j, i] * window[idx[j, i]]
    return out


def _delayed_sum_flat(window, idx, w, tgt, n):
    """Delayed input, flat table: out[tgt[e]] += w[e] * window[idx[e]]."""
    out = np.zeros(n, dtype=w.dtype)
    for e in range(idx.shape[0]):
        out[tgt[e]] += w[e] * window[idx[e]]
    return out


def _edge_sum_sparse(x, src, tgt, w, n):
    """Undelayed edges: out[tgt[e]] += w[e] * x[src[e]]."""
    out = np.zeros(n, dtype=w.dtype)
    for e in range(src.shape[0]):
        out[tgt[e]] += w[e] * x[src[e]]
    return out


def _matvec(mat, x):
    """Dense undelayed edges: mat @ x."""
    out = np.zeros(mat.shape[0], dtype=mat.dtype)
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            out[i] += mat[i, j] * x[j]
    return out


def _axpy(y, h, k):
    """y = y + h * k, in place."""
    for i in range(y.shape[0]):
        y[i] = y[i] + h * k[i]


def _step_to(out, y, h, k):
    """out = y + h * k."""
    for i in range(y.shape[0]):
        out[i] = y[i] + h * k[i]


def _heun_in(y, dt, k1, k2):
    """Heun's update of y, in place."""
    for i in range(y.shape[0]):
        y[i] = y[i] + (dt / 2) * (k1[i] + k2[i])


def _rk4_in(y, dt, k1, k2, k3, k4):
    """Classic Runge-Kutta update of y, in place."""
    for i in range(y.shape[0]):
        y[i] = y[i] + (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])


def _push(buf, p, length, n, x):
    """Write x to rows p and p + length of a doubled ring buffer with rows of n values."""
    for i in range(n):
        buf[p * n + i] = x[i]
        buf[(p + length) * n + i] = x[i]


def _record(rec, row, col, x, idx):
    """rec[row, col:col + len(idx)] = x[idx]; returns the next free column."""
    for i in range(idx.shape[0]):
        rec[row, col + i] = x[idx[i]]
    return col + idx.shape[0]


def _all_finite(y):
    """Whether every element of y is finite."""
    for i in range(y.shape[0]):
        if not np.isfinite(y[i]):
            return False
    return True
''')
