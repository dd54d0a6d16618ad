#!/usr/bin/env bash
# Build the sdist and the wheel once, into a clean dist/ (the wheel from the sdist, as
# pip would), then check them: one of each, named for volt_sdk/_version.py's version,
# `twine check --strict` (metadata, README rendering) and check-wheel-contents.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

rm -rf dist
"$PY" -m build --outdir dist . 2>&1 | grep -v '^WARNING: Location' || true
version=$("$PY" -c 'import ast, sys
for node in ast.parse(open("volt_sdk/_version.py").read()).body:
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__":
        print(node.value.value)' )
shopt -s nullglob
sdists=(dist/*.tar.gz)
wheels=(dist/*.whl)
if [[ ${#sdists[@]} -ne 1 || ${#wheels[@]} -ne 1 ]]; then
    echo "dist: expected one sdist and one wheel in dist/, found: $(ls dist)" >&2
    exit 1
fi
if [[ ${sdists[0]} != "dist/volt_sdk-$version.tar.gz" || ${wheels[0]} != "dist/volt_sdk-$version-py3-none-any.whl" ]]; then
    echo "dist: the files are not named for version $version: ${sdists[0]} ${wheels[0]}" >&2
    exit 1
fi
.venv/bin/twine check --strict dist/*
.venv/bin/check-wheel-contents dist/*.whl
echo "dist: ${sdists[0]} ${wheels[0]}"
