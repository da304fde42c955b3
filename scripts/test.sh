#!/usr/bin/env bash
# Install what is needed and run the whole test suite: lint, format check, type check, tests.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k tlv`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-peers.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check .
ruff format --check .
echo "== mypy (pure core)"
mypy
echo "== pytest"
exec pytest "$@"
