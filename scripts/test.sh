#!/usr/bin/env bash
# Install what is needed and run the whole test suite: lint, format check, type check, tests.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k tlv`). WORKBENCH_VENV and
# WORKBENCH_PYTHON choose another environment (see scripts/setup.sh; .ci/run uses them for 3.11).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-peers.sh
export PATH="$PWD/${WORKBENCH_VENV:-.venv}/bin:$PATH"
echo "== $(python --version) in ${WORKBENCH_VENV:-.venv}"
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy (pure core)"
mypy
echo "== pytest"
if [ "$#" -gt 0 ]; then
    exec pytest "$@"
fi
# The GUI tests run in their own process after the headless suite. Qt has crashed (SIGSEGV in
# the event loop, seen once in about ten full runs, not yet understood; see the issue notes):
# a crash must not hide the headless results, and a process killed by a signal gets exactly
# one more run, announced loudly. Any test failure still fails the run.
pytest --ignore=tests/gui
status=0
pytest tests/gui || status=$?
if [ "$status" -ge 128 ]; then
    echo "!! the GUI test process died from signal $((status - 128)); running the GUI tests once more" >&2
    status=0
    pytest tests/gui || status=$?
fi
exit "$status"
