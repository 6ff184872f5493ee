"""Constant arrays embedded in generated Python source (pyrates_core.embedded_arrays)."""

import base64

import numpy as np

from pyrates_core.embedded_arrays import DECODER_SOURCE, EmbeddedArrays


def test_embedded_arrays_round_trip_and_share_names():
    """The written definitions decode to the same values and dtypes; equal arrays (same dtype)
    share one name, the same values in another dtype get their own."""
    consts = EmbeddedArrays()
    idx = np.array([3, 1, 4, 1, 5])
    vals = np.linspace(-1.0, 2.0, 7)
    a, b, c = consts(idx, "int64"), consts(vals, "float64"), consts(idx.copy(), "int64")
    d = consts(idx, "float64")
    assert a == c and len({a, b, d}) == 3 and len(consts.lines) == 3
    env = {"np": np, "base64": base64}
    exec(DECODER_SOURCE + "\n".join(consts.lines), env)  # noqa: S102 - our own source
    assert env[a].dtype == np.int64 and np.array_equal(env[a], idx)
    assert np.array_equal(env[b], vals) and env[d].dtype == np.float64
    env[a][0] = 99  # decoded arrays are writable copies
    assert env[a][0] == 99
