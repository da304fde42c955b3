#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv. Idempotent: a second run
# only reinstalls when pyproject.toml changed. Sourced by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
    # Prefer CPython 3.12/3.13: PySide6 6.12 crashes on 3.11 (see ECOSYSTEM.md); on 3.11 the
    # dependency markers in pyproject.toml fall back to PySide6 6.11.
    local candidates=(python3.12 python3.13)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        for v in "$root"/versions/3.12* "$root"/versions/3.13*; do
            [ -x "$v/bin/python3" ] && candidates+=("$v/bin/python3")
        done
    fi
    candidates+=(python3)
    for py in "${candidates[@]}"; do
        if "$py" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
            echo "$py"
            return
        fi
    done
    echo "error: need CPython 3.11 or newer" >&2
    exit 1
}

if [ ! -x .venv/bin/python ]; then
    py=$(pick_python)
    echo "setup: creating .venv with $("$py" --version)"
    "$py" -m venv .venv
fi

stamp=.venv/.setup-stamp
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing the workbench and its dependencies into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    echo "$want" > "$stamp"
fi
