"""Backend discovery and its error messages."""

import pytest

from pyrates_core.backend import Backend
from pyrates_core.errors import BackendNotFoundError
from pyrates_core.registry import available_backends, get_backend, register_backend


def test_unknown_backend_lists_installed_and_install_hint(monkeypatch):
    # a known PyRates backend that is not installed (whatever this venv holds)
    import pyrates_core.registry as registry

    monkeypatch.setitem(registry.KNOWN_BACKENDS, "cobol", "pyrates-backend-cobol")
    with pytest.raises(BackendNotFoundError, match=r"pip install pyrates-backend-cobol"):
        get_backend("cobol")
    with pytest.raises(BackendNotFoundError, match="Known PyRates backends"):
        get_backend("no-such-backend")


def test_registered_backend_must_follow_protocol():
    class Half:
        name = "half"

    register_backend("half", Half)
    assert "half" in available_backends()
    with pytest.raises(BackendNotFoundError, match="protocol"):
        get_backend("half")


def test_protocol_is_runtime_checkable():
    class Minimal:
        name = "minimal"
        solvers = frozenset({"euler"})
        functions = frozenset()
        file_suffix = ".txt"
        capabilities = frozenset({"execute"})
        solver_specs = ()
        option_specs = ()

        def generate(self, system, options): ...
        def load(self, code, workdir, file_name=None): ...
        def integrate(self, model, request): ...

    register_backend("minimal", Minimal)
    assert isinstance(get_backend("minimal"), Backend)
