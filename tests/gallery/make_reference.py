"""Write ``reference.json``: the numbers of the gallery cases under the original PyRates 1.2.3.

Run it with the original installed (``/work/venv-orig/bin/python tests/gallery/make_reference.py``);
it runs every case of ``gallery_cases.py`` in a scratch directory and stores, per case, the
sample times and values (complex values as real and imaginary parts), or the error if the
original fails.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _encode(values: np.ndarray) -> dict:
    values = np.asarray(values)
    if np.iscomplexobj(values):
        return {"real": values.real.tolist(), "imag": values.imag.tolist()}
    return {"real": values.astype(float).tolist()}


def main() -> None:
    """Run the cases (all, or those named on the command line) and write the JSON file."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, str(HERE))
    from gallery_cases import CASES

    import pyrates

    target = HERE / "reference.json"
    reference = json.loads(target.read_text()) if target.exists() else {}
    reference["_meta"] = {"pyrates": pyrates.__version__, "numpy": np.__version__}
    names = sys.argv[1:] or list(CASES)
    cwd = os.getcwd()
    for name in names:
        with tempfile.TemporaryDirectory() as scratch:
            os.chdir(scratch)
            start = time.perf_counter()
            try:
                result = CASES[name]()
                reference[name] = {key: {"time": np.asarray(t, dtype=float).tolist(),
                                         **_encode(v)} for key, (t, v) in result.items()}
                status = "ok"
            except Exception as err:  # noqa: BLE001 - record why the original fails
                reference[name] = {"_error": f"{type(err).__name__}: {err}"}
                status = "FAILED " + traceback.format_exc(limit=2).splitlines()[-1]
            finally:
                os.chdir(cwd)
        print(f"{name}: {status} ({time.perf_counter() - start:.1f} s)", flush=True)
    target.write_text(json.dumps(reference, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
