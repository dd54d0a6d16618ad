#!/usr/bin/env bash
# The wheel make dist built (dist/, exactly one), as a customer installs it: in a fresh
# virtual environment in a temporary directory, with its extras (sandbox, webhooks,
# aiohttp, schema, redis and the web frameworks'; FastAPI for the webhook-kit and
# one-time-code examples). Then, against that installed wheel:
#   1. the typed-usage check (scripts/typecheck_dist.sh with WHEEL= and VENV=): top-level
#      names, `volt --help`, mypy and pyright --strict on tests/typing/usage.py;
#   2. the sandbox end-to-end tests (tests/e2e), run by that venv's pytest in a copy of
#      tests/ (with examples/, queries/ and scripts/demo.sh, which they read) where there is
#      no volt_sdk/: a conftest.py there fails the run unless volt_sdk is imported from
#      the venv's site-packages.
# Every package is installed at the version .venv has (make install: pyproject.toml's
# dev pins), read with `pip freeze`, so that the tests see what `make test` sees.
#   bash scripts/test_dist.sh          (make test-dist: make dist first)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PY=.venv/bin/python
EXTRAS=sandbox,webhooks,aiohttp,schema,redis,starlette,flask,django
# The e2e test of the code generator (codegen/, ariadne-codegen): development tooling
# that the wheel does not ship.
DESELECT=tests/e2e/test_schema_lifecycle.py::test_regenerating_from_a_compatible_change_changes_the_generated_model

shopt -s nullglob
wheels=(dist/*.whl)
if [[ ${#wheels[@]} -ne 1 ]]; then
    echo "test_dist: expected exactly one wheel in dist/, found ${#wheels[@]}: ${wheels[*]:-none} (run make dist)" >&2
    exit 1
fi
wheel=$root/${wheels[0]}
if [[ ! -x $PY ]]; then
    echo "test_dist: no $PY: run make install first (it gives the tools' pinned versions)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The copy of the checkout the tests run in: no volt_sdk/, no generated/. demo.sh runs
# ../.venv/bin/volt: the fresh venv is that .venv.
copy=$work/repo
venv=$copy/.venv
mkdir -p "$copy/scripts"
cp -R tests examples queries "$copy/"
cp scripts/demo.sh "$copy/scripts/"
mkdir -p "$copy/bench" && cp bench/fleet_limits.py "$copy/bench/"  # the fleet proof's workers
cp pyproject.toml "$copy/"  # [tool.pytest.ini_options]: the same strictness as make test
find "$copy" -name __pycache__ -prune -exec rm -rf {} +

echo "test_dist: $wheel"
"$PY" -m venv "$venv"  # the Python of .venv: the versions it froze are for it
"$PY" -m pip freeze --exclude-editable --all > "$work/constraints.txt"
pin() { "$PY" -c "import importlib.metadata as m; print(m.version('$1'))"; }
"$venv/bin/python" -m pip install --quiet --constraint "$work/constraints.txt" \
    "$wheel[$EXTRAS]" "pytest==$(pin pytest)" "fastapi==$(pin fastapi)" 2>&1 | grep -v '^WARNING: Location' || true

echo "== the typed-usage check against the installed wheel"
WHEEL=$wheel VENV=$venv bash scripts/typecheck_dist.sh

echo "== the sandbox e2e tests against the installed wheel"
cat > "$copy/conftest.py" <<'PY'
"""test_dist.sh: the tests run against the installed wheel, never a checkout."""

import sysconfig
from pathlib import Path

import volt_sdk
import volt_sdk_graphql

SITE = Path(sysconfig.get_paths()["purelib"]).resolve()


def pytest_report_header() -> str:
    return f"volt_sdk {volt_sdk.__version__} from {Path(volt_sdk.__file__).parent}"


for module in (volt_sdk, volt_sdk_graphql):
    where = Path(module.__file__ or "").resolve()
    if not where.is_relative_to(SITE):
        raise RuntimeError(f"{module.__name__} is imported from {where}, not from {SITE}")
PY
cd "$copy"
env -u PYTHONPATH "$venv/bin/python" -c '
import sys, sysconfig, volt_sdk
from pathlib import Path
site = Path(sysconfig.get_paths()["purelib"]).resolve()
where = Path(volt_sdk.__file__).resolve()
if not where.is_relative_to(site):
    sys.exit(f"test_dist: volt_sdk is imported from {where}, not from the venv ({site})")
print(f"volt_sdk {volt_sdk.__version__} from {where.parent}")
'
env -u PYTHONPATH "$venv/bin/python" -m pytest -p no:cacheprovider -q tests/e2e --deselect "$DESELECT"
echo "test_dist: the wheel passed the typed-usage check and the sandbox e2e tests"
