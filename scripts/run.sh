#!/usr/bin/env bash
# Install what is needed and start the workbench's main job. Arguments go to lwm2m-workbench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/lwm2m-workbench "$@"
