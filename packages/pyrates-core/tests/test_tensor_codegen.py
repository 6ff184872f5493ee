"""The shared tensor-module plan, evaluated with a NumPy dialect against the kit's rhs."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from pyrates_core import testing
from pyrates_core.errors import EquationError
from pyrates_core.functions import ArrayMean, ArraySum
from pyrates_core.system import StateSpec, SystemIR
from pyrates_core.tensor_codegen import OBSERVE, TensorDialect, build_module, identifiers
from pyrates_core.tensor_printing import IRPrinterMixin, numeric_constants

HELPERS = '''
def _fit(v, y, n):
    return numpy.broadcast_to(numpy.asarray(v, dtype=y.dtype), (y.shape[0], n))


def _dense(x, mat):
    return numpy.einsum("ts,bs->bt", mat, x)


def _scatter(v, tgt, n):
    out = numpy.zeros((v.shape[0], n), dtype=v.dtype)
    numpy.add.at(out, (slice(None), tgt), v)
    return out
'''


class _Printer(IRPrinterMixin, NumPyPrinter):
    label = "numpy test"
    reductions: ClassVar[dict[str, str]] = {"ArraySum": "numpy.sum({x}, axis=-1, keepdims=True)"}


NUMPY = TensorDialect(module="numpy", helpers=HELPERS, reserved=frozenset({"numpy"}),
                      printer=_Printer, prepare=numeric_constants)


def _module(system: SystemIR) -> tuple[dict, list]:
    source, lay = build_module(system, "vector_field", "test module", NUMPY)
    namespace: dict = {}
    exec(compile(source, "<tensor_codegen>", "exec"), namespace)  # noqa: S102 - our code
    args: list = [np.asarray(system.params[p].value, float).reshape(1, -1) for p in lay.params]
    args += [np.asarray(system.inputs[i].default, float).reshape(1, -1) for i in lay.inputs]
    for k, kind in lay.edges:
        b, bp = system.edges[k], lay.plan.bundles[k]
        w = np.broadcast_to(np.ravel(system.params[b.weights].value), (b.n_edges,))
        zero = np.flatnonzero(bp.zero)
        if kind == "mat":
            mat = np.zeros((b.n_target, b.n_source))
            np.add.at(mat, (b.target_idx[zero], b.source_idx[zero]), w[zero])
            args.append(mat)
        else:
            args.append({"src": b.source_idx[zero], "tgt": b.target_idx[zero],
                         "w": w[zero][None, :]}[kind])
    return namespace, args


@pytest.mark.parametrize("make", [testing.exponential_decay, testing.forced_linear,
                                  testing.harmonic_oscillators, testing.undelayed_edges])
def test_numpy_dialect_equals_the_kit_rhs(make):
    """dy/dt of the generated module (NumPy as the ops) equals the case's plain rhs."""
    case = make()
    namespace, args = _module(case.system)
    rng = np.random.default_rng(0)
    for t in (0.0, 0.37):
        y = rng.normal(size=case.system.n_state)
        got = namespace["vector_field"](t, y[None, :], *args)
        assert got.shape == (1, case.system.n_state)
        np.testing.assert_allclose(got[0], case.rhs(t, y), rtol=1e-12, atol=1e-12)


def test_observe_returns_every_assignment():
    case = testing.assignment_output()
    namespace, args = _module(case.system)
    y = np.full((1, case.system.n_state), 0.5)
    obs = namespace[OBSERVE](0.0, y, *args)
    assert len(obs) == len(case.system.assignments) and all(o.shape[0] == 1 for o in obs)


def test_delayed_reads_are_arguments():
    source, lay = build_module(testing.delayed_feedback().system, "f", "h", NUMPY)
    assert lay.reads and all(kind in ("bundle", "past") for kind, _ in lay.reads)
    assert lay.arg_names[-len(lay.reads):] == [n for n in lay.arg_names if
                                              n.startswith(("_d", "_past"))]


def test_identifiers_avoid_reserved_and_private_names():
    x = sp.Symbol("numpy")
    system = SystemIR([StateSpec("numpy", 0, 1, np.array([1.0])),
                       StateSpec("_p", 1, 1, np.array([0.0]))], [-x, x], {}, {}, [], [],
                      time=sp.Symbol("time"))
    names = identifiers(system, {"numpy", "t", "y"})
    assert names["numpy"] != "numpy" and not names["_p"].startswith("_")
    assert names["time"] == "t"


def test_mixin_prints_reductions_and_rejects_the_rest():
    x = sp.Symbol("x")
    printer = _Printer({"x": "xx"}, lambda k, c: c, lambda e: "p")
    assert printer.doprint(ArraySum(x)) == "numpy.sum(xx, axis=-1, keepdims=True)"
    with pytest.raises(KeyError):
        printer.doprint(ArrayMean(x))  # a reduction the dialect does not spell
    with pytest.raises(EquationError, match="unknown symbol 'z'.*numpy test"):
        printer.doprint(sp.Symbol("z"))
    with pytest.raises(EquationError, match="numpy test backend cannot print the function 'f'"):
        printer.doprint(sp.Function("f")(x))


def test_numeric_constants_fold_numbers_only():
    x = sp.Symbol("x")
    folded = numeric_constants(sp.sqrt(2) * x + sp.Rational(1, 3))
    assert folded.has(sp.Float(float(np.sqrt(2)), 17)) and folded.has(sp.Rational(1, 3))
    assert not folded.has(sp.sqrt(2))
