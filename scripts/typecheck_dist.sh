#!/usr/bin/env bash
# Type-check tests/typing/usage.py the way a customer's project sees volt-sdk:
# from the built wheel, installed in a fresh virtual environment, with nothing
# of this checkout on the path. Catches what the in-repo check cannot (a
# missing py.typed in a package of the wheel makes every model Any).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" . 2>&1 | grep -v '^WARNING: Location' || true
python3 -m venv "$work/venv"
mypy_pin=$("$PY" -c 'import mypy.version; print(mypy.version.__version__)')
pyright_pin=$("$PY" -c 'import importlib.metadata as m; print(m.version("pyright"))')
"$work/venv/bin/pip" install --quiet "$work"/dist/*.whl "mypy==$mypy_pin" "pyright==$pyright_pin" \
    2>&1 | grep -v '^WARNING: Location' || true
cp tests/typing/usage.py "$work/usage.py"
cd "$work"
echo "mypy --strict on usage.py against the installed wheel:"
venv/bin/mypy --strict --no-incremental --python-executable venv/bin/python usage.py
echo "pyright --strict on usage.py against the installed wheel:"
printf '{"typeCheckingMode": "strict", "reportUnnecessaryTypeIgnoreComment": "error", "venvPath": ".", "venv": "venv"}' > pyrightconfig.json
venv/bin/pyright usage.py
