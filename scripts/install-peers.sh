#!/usr/bin/env bash
# Install the third-party peers the interop tests talk to (libcoap's CLI tools from Debian,
# lwm2m-node-lib from npm), the optional DTLS backend, and Xvfb for bench/bench_gui.py.
# Idempotent. On a developer's machine it is best effort: a peer that cannot be installed makes
# its tests skip with a visible reason. Under CI (the CI environment variable is set) a peer
# that cannot be installed fails this script, and tests/conftest.py turns such skips into
# failures, so CI never passes without its interop runs.
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${WORKBENCH_VENV:-.venv}
failed=()

# A peer could not be installed: say so; under CI remember it for the exit code.
missing() {
    echo "peers: $1" >&2
    failed+=("$1")
}

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
apt_ready=""

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$apt_ready" ]; then
        $sudo apt-get update -qq >/dev/null 2>&1
        apt_ready=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -o DPkg::Lock::Timeout=300 "$@" >/dev/null 2>&1
}

if ! command -v coap-client-notls >/dev/null 2>&1; then
    echo "peers: installing libcoap3-bin (apt)"
    apt_install libcoap3-bin \
        || missing "libcoap3-bin could not be installed; libcoap interop tests will skip"
fi

# tshark proves Wireshark's CoAP dissector reads our pcapng exports (the test skips without it).
if ! command -v tshark >/dev/null 2>&1; then
    echo "peers: installing tshark (apt)"
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
        | $sudo debconf-set-selections >/dev/null 2>&1
    apt_install tshark || missing "tshark could not be installed; its pcapng test will skip"
fi

if command -v npm >/dev/null 2>&1; then
    if [ ! -d tests/interop/node/node_modules/lwm2m-node-lib ]; then
        echo "peers: installing lwm2m-node-lib (npm)"
        (cd tests/interop/node && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) \
            || missing "lwm2m-node-lib could not be installed; its interop tests will skip"
    fi
else
    missing "npm not found; lwm2m-node-lib interop tests will skip"
fi

# DTLS-PSK for the built-in server: DTLSSocket (tinydtls) is source-only on PyPI and needs the
# autotools to build (about 30 s). Without it the server runs plain CoAP only and the DTLS
# tests skip with their reason.
if ! "$venv/bin/python" -c "import DTLSSocket" >/dev/null 2>&1; then
    if ! command -v autoreconf >/dev/null 2>&1 || ! command -v libtoolize >/dev/null 2>&1; then
        echo "peers: installing autoconf automake libtool (apt) to build DTLSSocket"
        apt_install autoconf automake libtool || true
    fi
    echo "peers: building DTLSSocket (tinydtls) for DTLS-PSK"
    "$venv/bin/python" -m pip install --quiet 'DTLSSocket>=0.2.3,<0.3' >/dev/null 2>&1 \
        || missing "DTLSSocket could not be built; DTLS tests will skip"
fi

# bench/bench_gui.py measures start-up to a mapped X window under Xvfb (xwininfo watches).
if ! command -v Xvfb >/dev/null 2>&1 || ! command -v xwininfo >/dev/null 2>&1; then
    echo "peers: installing xvfb x11-utils (apt) for the start-up benchmark"
    apt_install xvfb x11-utils || echo "peers: xvfb could not be installed; bench_gui.py will say so"
fi

if [ -n "${CI:-}" ] && [ "${#failed[@]}" -gt 0 ]; then
    echo "peers: CI is set and ${#failed[@]} peer(s) could not be installed (see above)" >&2
    exit 1
fi
exit 0
