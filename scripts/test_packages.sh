#!/usr/bin/env bash
# Run the test suites of the PyRates monorepo and print one summary line per step.
#
#   scripts/test_packages.sh [STEP ...]      STEP: packages | cross | lint | docs (default: all)
#
# packages  For every package (or those in $PKGS): an isolated venv .venv-test/<dir> holding
#           only that package with its [test] extra and the sibling packages it declares (the
#           closure computed by scripts/pkgtool.py), installed from freshly built wheels; then
#           that package's tests/ run in it. A venv is reused while the pyproject.toml files of
#           its closure are unchanged (our wheels are force-reinstalled every time); FRESH=1
#           rebuilds them all.
# cross     The repository's tests/ folder, in the full development venv (.venv).
# lint      ruff check and lint-imports, in .venv.
# docs      mkdocs build --strict of docs/ with the gallery (docs/examples/plot_*.py) executed.
#
# Expects .venv to exist with the dev tools and hatchling (`make install` does that). pytest's
# exit code 5 (no tests collected) counts as a pass. Exits non-zero if any step failed.
#
# Environment: PKGS (package dirs, default: all in dependency order), FRESH (0/1), VENV (.venv),
# TEST_VENVS (.venv-test), VENV_PYTHON (interpreter for the test venvs, default: the one .venv
# was made from), XDIST_MIN_FILES (use pytest -n 2 from this many test files on, default 4;
# 0 disables xdist), PYTEST_ARGS (extra pytest arguments).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

VENV=${VENV:-.venv}
DEV_PY="$ROOT/$VENV/bin/python"
TEST_VENVS=${TEST_VENVS:-.venv-test}
WHEELS="$ROOT/.whl"
FRESH=${FRESH:-0}
XDIST_MIN_FILES=${XDIST_MIN_FILES:-4}
read -r -a EXTRA_PYTEST <<<"${PYTEST_ARGS:-}"
unset PYTHONPATH
# The repository's pins (torch==2.13.0, the CPU build on local disk) for every install below.
export PIP_CONSTRAINT="$ROOT/constraints.txt"

if [[ ! -x $DEV_PY ]]; then
    echo "test_packages: $VENV is missing; run 'make install' first" >&2
    exit 2
fi
if [[ -z ${VENV_PYTHON:-} ]]; then
    VENV_PYTHON=$("$DEV_PY" -c 'import sys; print(sys._base_executable)')
fi

steps=("$@")
[[ ${#steps[@]} -eq 0 ]] && steps=(packages cross lint docs)

SUMMARY=()
FAILED=0

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
record() { # STATUS NAME DETAILS
    SUMMARY+=("$(printf '%-4s  %-24s %s' "$1" "$2" "$3")")
    [[ $1 == FAIL ]] && FAILED=1
    return 0
}
banner() { printf '\n===== %s =====\n' "$*"; }

REPORTS="$ROOT/$TEST_VENVS/reports"
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

# pytest over one folder with one interpreter's pytest; returns pytest's exit code. Each run
# writes a JUnit XML report, from which the closing line adds up all tests.
run_pytest() { # PYTEST_BIN TESTDIR REPORT_NAME
    local bin=$1 dir=$2 report="$REPORTS/$3.xml" nfiles xdist=()
    nfiles=$(find "$dir" -name 'test_*.py' -o -name '*_test.py' 2>/dev/null | wc -l)
    if [[ $XDIST_MIN_FILES -gt 0 && $nfiles -ge $XDIST_MIN_FILES ]]; then
        xdist=(-n 2 --dist loadfile)
    fi
    # pythonpath: helper modules beside the tests (importlib mode adds no folder to sys.path).
    "$bin" -c pyproject.toml --rootdir . -p no:cacheprovider -o "pythonpath=$dir" \
        --junitxml="$report" "${xdist[@]}" "${EXTRA_PYTEST[@]}" "$dir"
}

# Maps a pytest exit code to a summary line.
record_pytest() { # RC NAME TIMINGS
    case $1 in
        0) record PASS "$2" "$3" ;;
        5) record PASS "$2" "no tests collected; $3" ;;
        *) record FAIL "$2" "pytest exit code $1; $3" ;;
    esac
}

build_wheels() {
    banner "building wheels"
    rm -rf "$WHEELS"
    mkdir -p "$WHEELS"
    local dirs
    mapfile -t dirs < <(python3 scripts/pkgtool.py order)
    # hatchling comes from .venv (dev group), so no isolated build env is set up per package.
    "$DEV_PY" -m pip wheel -q --no-deps --no-build-isolation -w "$WHEELS" "${dirs[@]}" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

# pip with .venv's pip, into the venv of interpreter $1; drops the harmless warnings that this
# machine's pip.conf (an extra file:// index that lacks most projects) prints for every project.
pip_into() { # PYTHON ARGS...
    local py=$1
    shift
    "$DEV_PY" -m pip --python "$py" "$@" \
        2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

wheel_of() { # DIR -> path of its wheel
    local name
    name=$(python3 scripts/pkgtool.py name "$1")
    compgen -G "$WHEELS/${name//-/_}-*.whl" | head -n 1
}

# Names of our own distributions installed in a venv, one per line.
installed_siblings() { # PYTHON
    "$1" - "$ROOT/packages" <<'PY'
import sys
from importlib.metadata import distributions
from pathlib import Path

sys.path.insert(0, str(Path(sys.argv[1]).parent / "scripts"))
import pkgtool

ours = set(pkgtool.discover())
for dist in distributions():
    name = pkgtool.normalize(dist.metadata["Name"])
    if name in ours:
        print(name)
PY
}

test_one_package() { # DIR
    local dir=$1 pkg venv vpy key t0 tv rc closure=() reqs=() expected actual
    pkg=$(basename "$dir")
    venv="$ROOT/$TEST_VENVS/$pkg"
    vpy="$venv/bin/python"
    banner "$pkg (isolated venv $TEST_VENVS/$pkg)"

    mapfile -t closure < <(python3 scripts/pkgtool.py closure "$dir" test)
    key=$(python3 scripts/pkgtool.py hash "$dir" test)
    for member in "${closure[@]}"; do
        local whl
        whl=$(wheel_of "$member")
        if [[ -z $whl ]]; then
            record FAIL "$pkg" "no wheel for $member"
            return
        fi
        if [[ $member == "$dir" ]]; then reqs+=("$whl[test]"); else reqs+=("$whl"); fi
    done
    echo "closure: ${closure[*]}"

    t0=$(now)
    local how
    if [[ $FRESH != 1 && -x $vpy && $(cat "$venv/.pyrates-key" 2>/dev/null) == "$key" ]]; then
        how="venv reused"
        # Same metadata as last time: only our code may have changed.
        pip_into "$vpy" install -q --no-deps --force-reinstall "${reqs[@]}"
        rc=$?
    else
        how="venv created"
        rm -rf "$venv"
        # No pip inside: .venv's pip installs into it (pip --python), sharing pip's cache.
        "$VENV_PYTHON" -m venv --without-pip "$venv" &&
            pip_into "$vpy" install -q "${reqs[@]}" "pytest-xdist>=3"
        rc=$?
        [[ $rc -eq 0 ]] && echo "$key" >"$venv/.pyrates-key"
    fi
    tv=$(elapsed "$t0")
    if [[ $rc -ne 0 ]]; then
        record FAIL "$pkg" "install failed ($how, $tv)"
        return
    fi

    # Isolation check: exactly the declared siblings are installed, nothing else of ours.
    expected=$(for m in "${closure[@]}"; do python3 scripts/pkgtool.py name "$m"; done | sort)
    actual=$(installed_siblings "$vpy" | sort)
    if [[ $expected != "$actual" ]]; then
        record FAIL "$pkg" "isolation broken: installed {$(echo $actual)}, declared {$(echo $expected)}"
        return
    fi

    if [[ ! -d $dir/tests ]]; then
        record PASS "$pkg" "no tests folder; $how $tv"
        return
    fi
    t0=$(now)
    run_pytest "$venv/bin/pytest" "$dir/tests" "$pkg"
    rc=$?
    record_pytest "$rc" "$pkg" "$how $tv, tests $(elapsed "$t0")"
}

step_packages() {
    local dirs
    if [[ -n ${PKGS:-} ]]; then
        read -r -a dirs <<<"$PKGS"
    else
        mapfile -t dirs < <(python3 scripts/pkgtool.py order)
    fi
    if ! build_wheels; then
        record FAIL "wheels" "building the package wheels failed"
        return
    fi
    for dir in "${dirs[@]}"; do
        test_one_package "${dir%/}"
    done
}

step_cross() {
    banner "cross-package tests (tests/ in $VENV)"
    local t0 rc
    t0=$(now)
    if [[ ! -d tests ]]; then
        record PASS "tests/ (cross-package)" "no tests folder"
        return
    fi
    run_pytest "$ROOT/$VENV/bin/pytest" tests cross-package
    rc=$?
    record_pytest "$rc" "tests/ (cross-package)" "$(elapsed "$t0")"
}

step_lint() {
    banner "ruff check"
    local t0
    t0=$(now)
    if "$ROOT/$VENV/bin/ruff" check .; then
        record PASS "ruff check" "$(elapsed "$t0")"
    else
        record FAIL "ruff check" "$(elapsed "$t0")"
    fi
    banner "lint-imports"
    t0=$(now)
    if "$ROOT/$VENV/bin/lint-imports"; then
        record PASS "lint-imports" "$(elapsed "$t0")"
    else
        record FAIL "lint-imports" "$(elapsed "$t0")"
    fi
}

# The documentation site (mkdocs, strict: a broken link or reference fails), with the gallery
# scripts executed by mkdocs-gallery; a gallery example that raises fails the build.
step_docs() {
    banner "documentation (mkdocs build --strict, gallery executed)"
    local t0
    t0=$(now)
    rm -rf "$ROOT/docs/generated" "$ROOT/.docs-site"
    if NO_MKDOCS_2_WARNING=1 MPLBACKEND=Agg PYRATES_DOCS_BUILD=1 "$ROOT/$VENV/bin/mkdocs" build --strict -q; then
        local n
        n=$(find "$ROOT/docs/generated/gallery" -name '*.png' | wc -l)
        record PASS "docs + gallery" "$n gallery figures; $(elapsed "$t0")"
    else
        record FAIL "docs + gallery" "$(elapsed "$t0")"
    fi
}

T_ALL=$(now)
for step in "${steps[@]}"; do
    case $step in
        packages) step_packages ;;
        cross) step_cross ;;
        lint) step_lint ;;
        docs) step_docs ;;
        *)
            echo "test_packages: unknown step '$step' (packages, cross, lint, docs)" >&2
            exit 2
            ;;
    esac
done

# "N passed, N failed, N skipped" over every pytest run (errors count as failed).
totals() {
    python3 - "$REPORTS" <<'PY'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

tests = failed = skipped = 0
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    try:
        root = ET.parse(report).getroot()
    except ET.ParseError:
        continue
    for suite in root.iter("testsuite"):
        tests += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
print(f"tests: {max(tests - failed - skipped, 0)} passed, {failed} failed, {skipped} skipped")
PY
}

banner "summary ($(elapsed "$T_ALL"))"
printf '%s\n' "${SUMMARY[@]}"
if [[ $FAILED -ne 0 ]]; then
    echo "RESULT: FAILED"
else
    echo "RESULT: all steps passed"
fi
totals
exit "$FAILED"
