#!/usr/bin/env bash
# Install what is needed and start the workbench's main job. Arguments go to lwm2m-workbench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# With no arguments the main job is the demo window: a simulated module registering with the
# built-in server, no hardware needed. Without a display (a Linux console, ssh, CI) the same
# demo runs headless in the terminal instead.
if [ "$#" -eq 0 ]; then
    if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
        echo "run.sh: no display found; running the headless demo (lwm2m-workbench demo)" >&2
        set -- demo
    else
        set -- --demo
    fi
fi
exec .venv/bin/lwm2m-workbench "$@"
