#!/usr/bin/env bash
# Check the built wheel the way a customer's project sees volt-sdk: installed in
# a fresh virtual environment, with nothing of this checkout on the path. It
# installs no top-level name that does not start with volt_sdk, `volt --help`
# runs, and tests/typing/usage.py type-checks against it. Catches what the
# in-repo checks cannot (a missing py.typed in a package of the wheel makes
# every model Any).
#   bash scripts/typecheck_dist.sh                  builds the wheel of the checkout
#   WHEEL=dist/x.whl bash scripts/typecheck_dist.sh checks that wheel instead (no build)
#   VENV=dir ...                                    in that venv (created when missing)
#                                                   instead of a temporary one
# mypy and pyright are installed at the versions .venv has (pyproject.toml's dev pins).
set -euo pipefail
wheel=${WHEEL:-}
venv=${VENV:-}
# Both relative to the caller's directory, before the cd below.
[[ -z $wheel ]] || wheel=$(realpath -m -- "$wheel")
[[ -z $venv ]] || venv=$(realpath -m -- "$venv")
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -z $wheel ]]; then
    "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>&1 | grep -v '^WARNING: Location' || true
    wheel=$(ls "$work"/dist/*.whl)
elif [[ ! -f $wheel || $wheel != *.whl ]]; then
    echo "typecheck_dist: WHEEL=$WHEEL is not a wheel file" >&2
    exit 1
fi
echo "the wheel: $wheel"
[[ -n $venv ]] || venv=$work/venv
[[ -x $venv/bin/python ]] || python3 -m venv "$venv"
mypy_pin=$("$PY" -c 'import mypy.version; print(mypy.version.__version__)')
pyright_pin=$("$PY" -c 'import importlib.metadata as m; print(m.version("pyright"))')
# With the aiohttp extra, so that usage.py can type-check AioHttpClient.
"$venv/bin/pip" install --quiet "$wheel[aiohttp]" "mypy==$mypy_pin" "pyright==$pyright_pin" \
    2>&1 | grep -v '^WARNING: Location' || true
echo "top-level names the wheel installs:"
"$venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = {n.split("/")[0] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
tops = sorted(n.removesuffix(".py") for n in names if not n.endswith((".dist-info", ".data")))
print("  " + " ".join(tops))
stray = [n for n in tops if not n.startswith("volt_sdk")]
if stray:
    sys.exit(f"the wheel installs top-level names that do not start with volt_sdk: {stray}")
PY
echo "volt --help from the installed wheel:"
"$venv/bin/volt" --help > /dev/null
cp tests/typing/usage.py "$work/usage.py"
cd "$work"
"$venv/bin/python" -c "import volt_sdk; print('  volt_sdk', volt_sdk.__version__, volt_sdk.Volt.__name__, 'from', volt_sdk.__file__)"
echo "mypy --strict on usage.py against the installed wheel:"
"$venv/bin/mypy" --strict --no-incremental --python-executable "$venv/bin/python" usage.py
echo "pyright --strict on usage.py against the installed wheel:"
printf '{"typeCheckingMode": "strict", "reportUnnecessaryTypeIgnoreComment": "error", "venvPath": "%s", "venv": "%s"}' \
    "$(dirname "$venv")" "$(basename "$venv")" > pyrightconfig.json
"$venv/bin/pyright" usage.py
