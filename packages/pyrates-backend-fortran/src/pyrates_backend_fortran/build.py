"""Compile generated Fortran with f2py (meson backend) into a cached extension module.

Modules are cached by the SHA-256 of the source (and the Python/numpy versions): a second
build of the same model, in this process or a later one, imports the cached module instead of
compiling (about 0.01 s instead of several seconds). The cache lives in
``$PYRATES_CACHE_DIR/fortran-backend`` (default ``~/.cache/pyrates``; ``PYRATES_CACHE_DIR=off``
disables it, then every process compiles into a temporary folder), or in the folder given as
the backend option ``build_dir``. Compilation happens in a private temporary folder and the
finished module is moved into place atomically, so concurrent builds do not collide.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np

from pyrates_core.errors import PyRatesError

__all__ = ["BuildError", "cache_folder", "compile_module", "source_key"]

CACHE_ENV = "PYRATES_CACHE_DIR"
FFLAGS = "-O2 -ffree-line-length-none -fno-fast-math"
_loaded: dict[str, ModuleType] = {}


class BuildError(PyRatesError, RuntimeError):
    """The generated Fortran could not be compiled (the message holds the compiler output)."""


def source_key(source: str) -> str:
    """Cache key of a generated source."""
    tag = f"{sys.version_info[:2]}-{np.__version__}-{FFLAGS}\n"
    return hashlib.sha256((tag + source).encode()).hexdigest()[:20]


def cache_folder(build_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Folder that keeps compiled modules (None: caching disabled)."""
    if build_dir is not None:
        folder = Path(build_dir).expanduser()
    else:
        env = os.environ.get(CACHE_ENV)
        if env is not None and env.strip().lower() in ("", "0", "off", "none", "false"):
            return None
        base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", "") or
                                          Path.home() / ".cache") / "pyrates"
        folder = base / "fortran-backend"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def _import(name: str, path: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
    if spec is None:  # pragma: no cover - a file path always gives a spec
        raise BuildError(f"cannot import the compiled module {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _f2py(source: str, name: str, folder: Path) -> Path:
    """Run f2py in ``folder``; return the path of the built extension module."""
    src = folder / f"{name}.f90"
    src.write_text(source)
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["FFLAGS"] = FFLAGS
    cmd = [sys.executable, "-m", "numpy.f2py", "-c", str(src.name), "-m", name,
           "--backend", "meson"]
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
    built = sorted(folder.glob(f"{name}*{_suffix()}"))
    if proc.returncode != 0 or not built:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        hint = ""
        if shutil.which("gfortran", path=env["PATH"]) is None:
            hint = " (gfortran is not installed: apt-get install gfortran)"
        elif shutil.which("meson", path=env["PATH"]) is None:
            hint = " (meson is missing: pip install meson ninja)"
        raise BuildError(f"f2py could not compile the generated Fortran{hint}:\n{tail}")
    return built[0]


def _run(cmd: list[str], folder: Path, env: dict[str, str], what: str) -> None:
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-40:])
        raise BuildError(f"{what} failed ({' '.join(cmd[:3])} ...):\n{tail}")


def _tool(name: str, env: dict[str, str]) -> str:
    path = shutil.which(name, path=env["PATH"])
    if path is None:
        raise BuildError(f"'{name}' is not installed; the fortran backend needs gfortran and "
                         "gcc (apt-get install gfortran gcc)")
    return path


def _direct(source: str, name: str, folder: Path, objects: Path | None) -> Path:
    """f2py wrapper generation, then gfortran/gcc compile and link (no meson)."""
    import numpy.f2py

    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    fc, cc = _tool("gfortran", env), _tool("gcc", env)
    src = folder / f"{name}.f90"
    src.write_text(source)
    _run([sys.executable, "-m", "numpy.f2py", src.name, "-m", name, "--lower", "--quiet"],
         folder, env, "f2py wrapper generation")
    f2py_src = Path(numpy.f2py.__file__).parent / "src"
    includes = [f"-I{f2py_src}", f"-I{np.get_include()}",
                f"-I{sysconfig.get_paths()['include']}"]
    obj_dir = objects or folder
    fobj = obj_dir / f"fortranobject-{np.__version__}.o"
    if not fobj.exists():
        part = obj_dir / f".{fobj.name}.{os.getpid()}.part"
        _run([cc, "-O2", "-fPIC", "-c", str(f2py_src / "fortranobject.c"), *includes, "-o",
              str(part)], folder, env, "compiling numpy's fortranobject.c")
        os.replace(part, fobj)
    _run([fc, *FFLAGS.split(), "-fPIC", "-c", src.name, "-o", f"{name}_f.o"], folder, env,
         "gfortran")
    _run([cc, "-O2", "-fPIC", "-c", f"{name}module.c", *includes, "-o", f"{name}_c.o"],
         folder, env, "compiling the f2py wrapper")
    objs = [f"{name}_f.o", f"{name}_c.o", str(fobj)]
    wrappers = folder / f"{name}-f2pywrappers.f"
    if wrappers.exists() and wrappers.stat().st_size:
        _run([fc, "-O2", "-fPIC", "-c", wrappers.name, "-o", f"{name}_w.o"], folder, env,
             "gfortran (f2py wrappers)")
        objs.append(f"{name}_w.o")
    out = folder / f"{name}{_suffix()}"
    _run([fc, "-shared", *objs, "-o", out.name], folder, env, "linking")
    return out


def compile_module(source: str, build_dir: str | os.PathLike[str] | None = None,
                   compiler: str = "f2py") -> tuple[ModuleType, float, bool]:
    """The extension module of ``source``: ``(module, compile seconds, cache hit)``."""
    import time

    key = source_key(source)
    name = f"pyrates_fortran_{key}"
    if name in _loaded:
        return _loaded[name], 0.0, True
    folder = cache_folder(build_dir)
    target = folder / f"{name}{_suffix()}" if folder is not None else None
    start = time.perf_counter()
    if target is not None and target.exists():
        module = _import(name, target)
        _loaded[name] = module
        return module, time.perf_counter() - start, True
    with tempfile.TemporaryDirectory(prefix="pyrates_f2py_") as tmp:
        if compiler == "meson":
            built = _f2py(source, name, Path(tmp))
        elif compiler == "f2py":
            built = _direct(source, name, Path(tmp), folder)
        else:
            raise BuildError(f"unknown compiler '{compiler}'; choose 'f2py' or 'meson'")
        if target is not None:
            part = target.with_name(f".{target.name}.{os.getpid()}.part")
            shutil.copy2(built, part)
            os.replace(part, target)
            path = target
        else:
            keep = Path(tempfile.mkdtemp(prefix="pyrates_fortran_"))
            path = keep / built.name
            shutil.copy2(built, path)
        module = _import(name, path)
    _loaded[name] = module
    return module, time.perf_counter() - start, False
