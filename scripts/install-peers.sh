#!/usr/bin/env bash
# Install the third-party peers the interop tests talk to (libcoap's CLI tools from Debian,
# lwm2m-node-lib from npm) and the optional DTLS backend. Idempotent and best effort: a peer
# that cannot be installed makes its tests skip with a visible reason instead of failing.
set -uo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
apt_ready=""

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    if [ -z "$apt_ready" ]; then
        $sudo apt-get update -qq >/dev/null 2>&1
        apt_ready=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}

if ! command -v coap-client-notls >/dev/null 2>&1; then
    echo "peers: installing libcoap3-bin (apt)"
    apt_install libcoap3-bin \
        || echo "peers: libcoap3-bin could not be installed; libcoap interop tests will skip"
fi

# tshark proves Wireshark's CoAP dissector reads our pcapng exports (the test skips without it).
if ! command -v tshark >/dev/null 2>&1; then
    echo "peers: installing tshark (apt)"
    echo "wireshark-common wireshark-common/install-setuid boolean false" \
        | $sudo debconf-set-selections >/dev/null 2>&1
    apt_install tshark || echo "peers: tshark could not be installed; its pcapng test will skip"
fi

if command -v npm >/dev/null 2>&1; then
    if [ ! -d tests/interop/node/node_modules/lwm2m-node-lib ]; then
        echo "peers: installing lwm2m-node-lib (npm)"
        (cd tests/interop/node && npm ci --no-audit --no-fund --silent >/dev/null 2>&1) \
            || echo "peers: lwm2m-node-lib could not be installed; its interop tests will skip"
    fi
else
    echo "peers: npm not found; lwm2m-node-lib interop tests will skip"
fi

# DTLS-PSK for the built-in server: DTLSSocket (tinydtls) is source-only on PyPI and needs the
# autotools to build (about 30 s). Without it the server runs plain CoAP only and the DTLS
# tests skip with their reason.
if ! .venv/bin/python -c "import DTLSSocket" >/dev/null 2>&1; then
    if ! command -v autoreconf >/dev/null 2>&1 || ! command -v libtoolize >/dev/null 2>&1; then
        echo "peers: installing autoconf automake libtool (apt) to build DTLSSocket"
        apt_install autoconf automake libtool || true
    fi
    echo "peers: building DTLSSocket (tinydtls) for DTLS-PSK"
    .venv/bin/python -m pip install --quiet 'DTLSSocket>=0.2.3,<0.3' >/dev/null 2>&1 \
        || echo "peers: DTLSSocket could not be built; DTLS tests will skip"
fi
exit 0
