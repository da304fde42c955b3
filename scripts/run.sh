#!/usr/bin/env bash
# Install what is needed and start the workbench's main job. Arguments go to lwm2m-workbench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# With no arguments the main job is the demo: a simulated module registering with the
# built-in server, no hardware needed.
[ "$#" -gt 0 ] || set -- demo
exec .venv/bin/lwm2m-workbench "$@"
