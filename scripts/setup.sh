#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv. Idempotent: a second run
# only reinstalls when pyproject.toml changed. Sourced by scripts/run.sh and scripts/test.sh.
#
# WORKBENCH_VENV names another environment folder and WORKBENCH_PYTHON the interpreter to
# build it with; .ci/run uses both to run the suite on CPython 3.11 as well
# (WORKBENCH_PYTHON=python3.11 WORKBENCH_VENV=.venv-3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${WORKBENCH_VENV:-.venv}

usable() {
    "$1" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1
}

pick_python() {
    if [ -n "${WORKBENCH_PYTHON:-}" ]; then
        if ! usable "$WORKBENCH_PYTHON"; then
            echo "error: WORKBENCH_PYTHON=$WORKBENCH_PYTHON is not CPython 3.11 or newer" >&2
            exit 1
        fi
        echo "$WORKBENCH_PYTHON"
        return
    fi
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
        if usable "$py"; then
            echo "$py"
            return
        fi
    done
    echo "error: need CPython 3.11 or newer" >&2
    exit 1
}

# The window's system libraries (Qt's xcb platform plugin links against them; a bare
# Debian/Ubuntu lacks most). Installed with apt where we may, otherwise the exact command is
# printed; the headless tools and the tests (offscreen) work without them.
gui_libs() {
    [ "$(uname -s)" = Linux ] && command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing
    missing=$("$venv/bin/python" -m workbench.gui.displaycheck --missing-packages) || return 0
    [ -n "$missing" ] || return 0
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "setup: installing the window's system libraries (apt): $missing"
    # shellcheck disable=SC2086
    if ! { $sudo apt-get update -qq >/dev/null 2>&1 \
        && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 $missing \
            >/dev/null 2>&1; }; then
        echo "setup: could not install them; the window needs them. Run:" >&2
        echo "    sudo apt-get install $missing" >&2
    fi
}

if [ ! -x "$venv/bin/python" ]; then
    py=$(pick_python)
    echo "setup: creating $venv with $("$py" --version)"
    "$py" -m venv "$venv"
fi

stamp=$venv/.setup-stamp
want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: installing the workbench and its dependencies into $venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e '.[dev]'
    echo "$want" > "$stamp"
fi

# The decode path compiled with mypyc (issue 17; workbench/compiled.py says why). Skipped in a
# second when nothing changed; without a C compiler it says so and the sources run instead.
"$venv/bin/python" scripts/build_core.py

gui_libs
