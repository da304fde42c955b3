#!/usr/bin/env bash
# Linux packaging check, for .ci/run and the installers workflow: build the bundle, the .tar.gz
# and the .deb (packaging/build.py, which self-tests the unpacked .tar.gz), then move the bundle
# out of the checkout (dist/lwm2m-workbench is gone afterwards; the .tar.gz and .deb stay), run
# its self-test there, open its window offscreen with --demo, and check the .deb's layout.
# About a minute on a 2-core machine. Needs the project's .venv (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

py=.venv/bin/python
[ -x "$py" ] || { echo "packaging: no .venv; run scripts/setup.sh first" >&2; exit 1; }
if ! "$py" -c 'import PyInstaller, _pyinstaller_hooks_contrib' >/dev/null 2>&1; then
    echo "packaging: installing the build extra (PyInstaller) into .venv"
    "$py" -m pip install --quiet -e '.[build]'
fi

"$py" packaging/build.py

version=$("$py" -c 'import workbench; print(workbench.__version__)')
outside=$(mktemp -d "${TMPDIR:-/tmp}/lwm2m-workbench-ci.XXXXXX")
trap 'rm -rf "$outside"' EXIT

echo "== packaging: self-test of the bundle moved outside the checkout ($outside)"
mv dist/lwm2m-workbench "$outside/"
verdict=$(cd "$outside" && env -u PYTHONPATH -u PYTHONHOME -u LWM2M_WORKBENCH_RESOURCES \
    QT_QPA_PLATFORM=offscreen ./lwm2m-workbench/lwm2m-workbench --self-test)
echo "$verdict"
# A checkout with the compiled decode path (scripts/build_core.py) must bundle it.
if "$py" -c 'import sys; from workbench.compiled import runs_compiled; sys.exit(not runs_compiled())' \
    && [[ "$verdict" != *"decode path compiled"* ]]; then
    echo "packaging: the checkout's decode path is compiled but the bundle's is not" >&2
    exit 1
fi

# The self-test never loads Qt; this does: the window must open offscreen with the demo and
# still be running after 5 s (timeout's 124), not die on a missing Qt library or plugin. Its
# settings and the demo's session file go to the temporary folder, not the CI user's own.
echo "== packaging: the bundled window opens offscreen with --demo"
status=0
(cd "$outside" && env -u PYTHONPATH -u PYTHONHOME -u DISPLAY -u WAYLAND_DISPLAY \
    XDG_CONFIG_HOME="$outside/config" XDG_DATA_HOME="$outside/data" \
    QT_QPA_PLATFORM=offscreen timeout 5 ./lwm2m-workbench/lwm2m-workbench --demo \
    >"$outside/gui.log" 2>&1) || status=$?
if [ "$status" != 124 ]; then
    cat "$outside/gui.log" >&2
    echo "packaging: the bundled window exited with $status within 5 s" >&2
    exit 1
fi

deb=$(ls dist/lwm2m-workbench_"$version"_*.deb 2>/dev/null || true)
if [ -n "$deb" ]; then
    echo "== packaging: .deb layout ($deb)"
    contents=$(dpkg-deb --contents "$deb")
    for want in ./opt/lwm2m-workbench/lwm2m-workbench \
        "./usr/bin/lwm2m-workbench -> /opt/lwm2m-workbench/lwm2m-workbench" \
        ./usr/share/applications/lwm2m-workbench.desktop \
        ./usr/share/icons/hicolor/256x256/apps/lwm2m-workbench.png \
        ./usr/share/icons/hicolor/scalable/apps/lwm2m-workbench.svg; do
        grep -qF -- "$want" <<<"$contents" || { echo "packaging: $deb lacks $want" >&2; exit 1; }
    done
    dpkg-deb --field "$deb" Package Version Architecture
    if command -v desktop-file-validate >/dev/null 2>&1; then
        desktop-file-validate packaging/linux/lwm2m-workbench.desktop
    fi
fi
echo "packaging: Linux bundle, .tar.gz and .deb OK"
