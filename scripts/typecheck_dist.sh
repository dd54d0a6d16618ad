#!/usr/bin/env bash
# Check the built wheel the way a customer's project sees volt-sdk: installed in
# a fresh virtual environment, with nothing of this checkout on the path. It
# installs no top-level name that does not start with volt_sdk, `volt --help`
# runs, and tests/typing/usage.py type-checks against it. Catches what the
# in-repo checks cannot (a missing py.typed in a package of the wheel makes
# every model Any).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>&1 | grep -v '^WARNING: Location' || true
python3 -m venv "$work/venv"
mypy_pin=$("$PY" -c 'import mypy.version; print(mypy.version.__version__)')
pyright_pin=$("$PY" -c 'import importlib.metadata as m; print(m.version("pyright"))')
wheel=$(ls "$work"/dist/*.whl)
# With the aiohttp extra, so that usage.py can type-check AioHttpClient.
"$work/venv/bin/pip" install --quiet "$wheel[aiohttp]" "mypy==$mypy_pin" "pyright==$pyright_pin" \
    2>&1 | grep -v '^WARNING: Location' || true
echo "top-level names the wheel installs:"
"$work/venv/bin/python" - "$work"/dist/*.whl <<'PY'
import sys, zipfile
names = {n.split("/")[0] for n in zipfile.ZipFile(sys.argv[1]).namelist()}
tops = sorted(n.removesuffix(".py") for n in names if not n.endswith((".dist-info", ".data")))
print("  " + " ".join(tops))
stray = [n for n in tops if not n.startswith("volt_sdk")]
if stray:
    sys.exit(f"the wheel installs top-level names that do not start with volt_sdk: {stray}")
PY
echo "volt --help from the installed wheel:"
"$work/venv/bin/volt" --help > /dev/null
"$work/venv/bin/python" -c "import volt_sdk; print('  volt_sdk', volt_sdk.__version__, volt_sdk.Volt.__name__)"
cp tests/typing/usage.py "$work/usage.py"
cd "$work"
echo "mypy --strict on usage.py against the installed wheel:"
venv/bin/mypy --strict --no-incremental --python-executable venv/bin/python usage.py
echo "pyright --strict on usage.py against the installed wheel:"
printf '{"typeCheckingMode": "strict", "reportUnnecessaryTypeIgnoreComment": "error", "venvPath": ".", "venv": "venv"}' > pyrightconfig.json
venv/bin/pyright usage.py
