"""DenseJacobianWriter (pyrates_core.jacobian_code) with numpy helpers, without a backend:
the printed function against the analytic Jacobian, and the sparse wrapper."""

import numpy as np
import scipy.sparse
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from pyrates_core.jacobian import jacobian_ir
from pyrates_core.jacobian_code import (
    HELPER_NAMES,
    DenseJacobianWriter,
    jacobian_args,
    jacobian_output,
)
from pyrates_core.system import ParameterSpec, StateSpec, SystemIR

HELPERS = '''
import numpy as np
_np = np
from numpy import cos, exp, sin
def _y(y): return np.asarray(y, float)
def _arg(v, integer): return np.asarray(v)
def _state(y, a, b): return y[a:b]
def _bcast(v, n): return np.broadcast_to(np.asarray(v, float), (n,))
def _diag(c, n): return np.diag(_bcast(c, n))
def _const(a): return np.asarray(a, float)
def _edges(w, n, sel, rows, cols, shape):
    out = np.zeros(shape)
    np.add.at(out, (rows, cols), np.broadcast_to(np.ravel(w), (n,))[sel])
    return out
def _edge_sum(x, w, n, rows, cols, n_out):
    out = np.zeros(n_out)
    np.add.at(out, rows, np.broadcast_to(np.ravel(w), (n,)) * x[cols])
    return out
def _zeros(n): return np.zeros((n, n))
def _place(J, block, r0, c0):
    J = J.copy()
    J[r0:r0 + block.shape[0], c0:c0 + block.shape[1]] += block
    return J
'''


class _Printer(NumPyPrinter):
    def __init__(self, names):
        super().__init__({"fully_qualified_modules": False})
        self.names = names

    def _print_Symbol(self, expr):
        return self.names[expr.name]


def _system():
    x, y, a, b = sp.symbols("x y a b")
    states = [StateSpec("x", 0, np.array([0.4]), ["x"]), StateSpec("y", 1, np.array([-0.3]),
                                                                  ["y"])]
    return SystemIR(states, [-a * x + sp.sin(y) * x, x ** 2 - b * y + sp.exp(-y)],
                    {"a": ParameterSpec("a", np.asarray(0.7)),
                     "b": ParameterSpec("b", np.asarray(1.3))}, {}, [])


def test_printed_function_equals_the_analytic_jacobian():
    """x' = -a x + sin(y) x, y' = x^2 - b y + exp(-y): J = [[-a + sin y, x cos y],
    [2x, -b - exp(-y)]]; every helper the writer calls is one of HELPER_NAMES."""
    system = _system()
    jac = jacobian_ir(system)
    names = {"x": "v_x", "y": "v_y", "a": "a", "b": "b", system.time.name: "t"}
    writer = DenseJacobianWriter(jac, names)
    lines = writer.function("jac", _Printer(names).doprint)
    source = HELPERS + "\n".join(writer.consts) + "\n" + "\n".join(lines) + "\n"
    called = {w.split("(")[0] for w in " ".join(lines).replace("(", "( ").split()
              if w.startswith("_") and w.endswith("(")}
    assert called <= set(HELPER_NAMES)
    env: dict = {}
    exec(compile(source, "<jac>", "exec"), env)  # noqa: S102 - generated in the test
    args = jacobian_args(system)
    assert args == (0.7, 1.3)
    xv, yv = 0.25, -0.6
    got = env["jac"](0.0, np.array([xv, yv]), *args)
    ref = np.array([[-0.7 + np.sin(yv), xv * np.cos(yv)], [2 * xv, -1.3 - np.exp(-yv)]])
    assert np.abs(got - ref).max() < 1e-14
    sparse = jacobian_output(env["jac"], np.asarray, True)(0.0, np.array([xv, yv]), *args)
    assert isinstance(sparse, scipy.sparse.csr_matrix)
    assert np.array_equal(sparse.toarray(), got)
    assert jacobian_output(env["jac"], np.asarray, False) is env["jac"]
