#!/usr/bin/env bash
# make test-lowest (docs/dependencies.md): the test suite on the LOWEST versions that
# pyproject.toml allows for the runtime dependencies and the runtime extras.
#
#   1. a fresh .venv-lowest with ${PYTHON:-python3} (CI: Python 3.10, the lowest supported);
#   2. volt-sdk with its runtime extras, resolved by uv with --resolution lowest-direct:
#      every dependency that pyproject.toml names is at its lower bound (what those pull
#      in transitively is at its highest allowed version), plus the test tools, pinned
#      below to versions that work with those floors;
#   3. the floor check: every runtime dependency's installed version is printed and must
#      be EXACTLY the lower bound pyproject.toml states, or the run fails (a bound that
#      names no release, or a resolver that drifted, would otherwise test another range);
#   4. pytest, minus the tests of the repository's own dev tooling (listed below).
#
# Arguments are passed to pytest: bash scripts/test_lowest.sh -x tests/wire
set -euo pipefail

cd "$(dirname "$0")/.."

VENV=.venv-lowest
PYTHON_BIN=$(command -v "${PYTHON:-python3}") || {
    echo "test-lowest: no interpreter '${PYTHON:-python3}' (set PYTHON=...)" >&2
    exit 2
}
# The extras whose packages volt-sdk imports at run time (not dev, not bench).
EXTRAS=sandbox,webhooks,aiohttp,schema,otel,starlette,flask,django,redis
# The test tools, pinned to releases that support the floors (the dev extra pins newer
# ones that need newer httpx / opentelemetry):
#   pytest-httpx 0.34.0: the last release for httpx 0.27 (0.35 needs httpx 0.28), and the
#     first with the is_optional / is_reusable semantics the tests use; needs pytest 8.
#   opentelemetry-sdk 1.30.0: requires exactly the opentelemetry-api floor (1.30.0).
TEST_TOOLS=(
    "pytest==8.4.2"
    "pytest-httpx==0.34.0"
    "hypothesis==6.168.5"
    "pyyaml==6.0.3"
    "opentelemetry-sdk==1.30.0"
)
# Not run here: the tests of the repository's own tooling (tests/repo/), which need the
# dev extra's tools (griffe, mkdocs, zizmor, build, the bench extra ...) and check files,
# not the installed dependencies. These tests/repo modules do exercise the SDK, and run:
REPO_TESTS_KEPT=(
    test_readme.py             # the README's examples, against the floors
    test_readme_production.py  # the README's "Running it in production" examples
    test_exports.py            # the public names import
    test_import_cost.py        # what `from volt_sdk import Volt` loads
)
# And a single test that needs a dev tool:
DESELECTED=(
    # regenerates the client with ariadne-codegen (dev extra, `make generate`)
    "tests/e2e/test_schema_lifecycle.py::test_regenerating_from_a_compatible_change_changes_the_generated_model"
)

# uv: the dev extra's pin, from .venv when `make install` made it, else installed here.
UV_VERSION=$(sed -n 's/^ *"uv==\([0-9.]*\)".*/\1/p' pyproject.toml)
if [[ -x .venv/bin/uv && "$(.venv/bin/uv --version)" == "uv $UV_VERSION"* ]]; then
    UV=.venv/bin/uv
else
    UV_DIR=$(mktemp -d)
    trap 'rm -rf "$UV_DIR"' EXIT
    "$PYTHON_BIN" -m pip install --quiet --disable-pip-version-check --target "$UV_DIR" "uv==$UV_VERSION"
    UV="$UV_DIR/bin/uv"
fi
# Only the given interpreter: never a Python that uv would download.
export UV_PYTHON_DOWNLOADS=never
# The index pip is configured with, if any (uv reads no pip.conf).
if [[ -n "${PIP_INDEX_URL:-}" && -z "${UV_DEFAULT_INDEX:-}" && -z "${UV_INDEX_URL:-}" ]]; then
    export UV_DEFAULT_INDEX="$PIP_INDEX_URL"
fi

echo "== test-lowest: $("$PYTHON_BIN" --version) ($PYTHON_BIN), $("$UV" --version)"
"$UV" venv --quiet --clear --python "$PYTHON_BIN" "$VENV"
"$UV" pip install --quiet --python "$VENV/bin/python" --resolution lowest-direct \
    -e ".[$EXTRAS]" "${TEST_TOOLS[@]}"

echo "== the runtime dependencies: installed, and the lower bound pyproject.toml states"
EXTRAS="$EXTRAS" "$VENV/bin/python" - <<'EOF'
import os
import sys
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
requirements = [("core", r) for r in project["dependencies"]]
for extra in os.environ["EXTRAS"].split(","):
    requirements += [(extra, r) for r in project["optional-dependencies"][extra]]

bad = []
seen = set()
for origin, text in requirements:
    req = Requirement(text)
    name = canonicalize_name(req.name)
    if name == canonicalize_name(project["name"]):
        continue  # an extra that names another (volt-sdk[webhooks]): checked as that one
    if (name, origin) in seen or (req.marker is not None and not req.marker.evaluate()):
        continue
    seen.add((name, origin))
    floors = [s.version for s in req.specifier if s.operator == ">="]
    if len(floors) != 1:
        bad.append(f"{req.name}: no single '>=' lower bound in {text!r}")
        continue
    floor = floors[0]
    try:
        installed = version(req.name)
    except PackageNotFoundError:
        installed = "(not installed)"
    ok = installed != "(not installed)" and Version(installed) == Version(floor)
    print(f"  {'ok ' if ok else 'BAD'} {req.name:<18} {installed:<16} floor {floor:<8} [{origin}]")
    if not ok:
        bad.append(f"{req.name} {installed} is not the lower bound {floor} ({origin}: {text!r})")
if bad:
    print("test-lowest: FAILED, not on the floor pyproject.toml states:", file=sys.stderr)
    for line in bad:
        print(f"  {line}", file=sys.stderr)
    sys.exit(1)
print("  every runtime dependency is at its lower bound")
EOF

ignored=()
for path in tests/repo/test_*.py; do
    name=${path##*/}
    keep=false
    for kept in "${REPO_TESTS_KEPT[@]}"; do
        [[ $name == "$kept" ]] && keep=true
    done
    $keep || ignored+=("--ignore=$path")
done
# The FastAPI example service: FastAPI is the example's framework (dev extra), not a
# dependency of volt-sdk; the Starlette adapter it uses runs at its floor in tests/webhooks.
ignored+=("--ignore=tests/e2e/test_webhook_kit_example.py")
ignored+=("--ignore=tests/e2e/test_otp_service.py")  # the one-time-code service, on FastAPI too
deselected=()
for test in "${DESELECTED[@]}"; do
    deselected+=("--deselect=$test")
done
echo "== pytest; not run here: ${ignored[*]#--ignore=} ${DESELECTED[*]}"
"$VENV/bin/python" -m pytest "${ignored[@]}" "${deselected[@]}" "$@"
