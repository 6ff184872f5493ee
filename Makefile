# PyRates monorepo. On a fresh Debian machine (as root, with Python 3.11):
#
#   make demo    venv + all packages (editable) + the Jansen-Rit demo
#   make test    system packages + venv + every package's tests in its own isolated venv,
#                the cross-package tests, ruff and import-linter
#
# Other targets: install, test-packages, test-cross, lint, typecheck, hatch, clean, help.
#
# Adding a package (e.g. packages/pyrates-backend-torch with its pyproject.toml): nothing to do
# here, packages are discovered from packages/*/pyproject.toml and installed in dependency
# order; give it extras below only if .venv needs more than its [test] extra, and its system
# packages in APT_PACKAGES.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
# Every pip install of make (and of scripts/test_packages.sh) honours these pins (torch CPU).
export PIP_CONSTRAINT := $(CURDIR)/constraints.txt
VENV ?= .venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip
STAMP := $(VENV)/.pyrates-installed

# Debian packages the tests need; installed only when missing (later: gfortran octave ...).
APT_PACKAGES ?= gfortran auto-07p octave

# Package directories in dependency order (core, backend-numpy, frontend, models, sweep, meta).
PKG_DIRS := $(shell python3 scripts/pkgtool.py order)
PYPROJECTS := $(addsuffix /pyproject.toml,$(PKG_DIRS))
# The import packages' folders: their mtime changes when a module is added or removed, which
# makes the (3-second) editable reinstall run again, e.g. when a package that was empty at its
# first install gets its first module (hatchling writes no .pth file for an empty package).
SRC_DIRS := $(wildcard $(addsuffix /src/*,$(PKG_DIRS)))

# Extras each package is installed with in .venv (default: test).
EXTRAS_DEFAULT := test
EXTRAS_pyrates := numba,plot,test
extras_of = $(or $(EXTRAS_$(notdir $(1))),$(EXTRAS_DEFAULT))
EDITABLES := $(foreach d,$(PKG_DIRS),-e '$(d)[$(call extras_of,$(d))]')

# pip prints a warning for every project missing from this machine's extra file:// index.
PIP_FILTER := 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)

.PHONY: help demo install test test-packages test-cross lint docs typecheck apt-deps hatch clean distclean

help:
	@sed -n '2,13p' Makefile | sed 's/^# \{0,1\}//'

# --- environment --------------------------------------------------------------------------------

$(VPY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade 'pip>=25.1' $(PIP_FILTER)

# Re-runs only when a pyproject.toml (or a package folder, see SRC_DIRS) is newer than the stamp.
$(STAMP): $(PYPROJECTS) pyproject.toml $(SRC_DIRS) | $(VPY)
	$(PIP) install -q --group dev $(PIP_FILTER)
	$(PIP) install -q --no-build-isolation $(EDITABLES) $(PIP_FILTER)
	# pycobi (AUTO-07p driver of the 1.x continuation workflow) requires pyrates>=1.2.2 from
	# PyPI, which would replace our meta-package: installed without its dependencies.
	$(PIP) install -q --no-deps 'pycobi>=1.0' $(PIP_FILTER)
	touch $@

install: $(STAMP)

apt-deps:
	@scripts/ensure_apt.sh $(APT_PACKAGES)

# --- demo ---------------------------------------------------------------------------------------

demo: $(STAMP)
	MPLBACKEND=Agg $(VPY) examples/jansen_rit_demo.py

# --- tests --------------------------------------------------------------------------------------

test: apt-deps $(STAMP)
	VENV=$(VENV) scripts/test_packages.sh packages cross lint docs

test-packages: $(STAMP)
	VENV=$(VENV) scripts/test_packages.sh packages

docs: $(STAMP)
	VENV=$(VENV) scripts/test_packages.sh docs

test-cross: $(STAMP)
	VENV=$(VENV) scripts/test_packages.sh cross

lint: $(STAMP)
	VENV=$(VENV) scripts/test_packages.sh lint

typecheck: $(STAMP)
	$(VENV)/bin/mypy $(addsuffix /src,$(PKG_DIRS))

# Optional: hatch in .venv, for `hatch run test-core:run` and friends (see hatch.toml).
hatch: $(STAMP)
	$(PIP) install -q hatch $(PIP_FILTER)
	$(VENV)/bin/hatch env show

# Removes every folder that make, the tests and the tools create in the repository (caches,
# test venvs, wheels, demo output); `make distclean` also removes the development venv.
clean:
	rm -rf .venv-test .whl demo_output .pytest_cache .ruff_cache .mypy_cache .hypothesis \
		.docs-site docs/generated
	find . -path ./.venv -prune -o -path ./.git -prune -o \
		\( -name __pycache__ -o -name '*.egg-info' -o -name .pytest_cache \) -type d -print0 \
		| xargs -0 rm -rf

distclean: clean
	rm -rf .venv
