#!/usr/bin/env bash
# Install the third-party peers that interop tests talk to (libcoap's CLI tools from Debian,
# lwm2m-node-lib from npm). Idempotent and best effort: a peer that cannot be installed makes
# its tests skip with a visible reason instead of failing the run.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v coap-client-notls >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    echo "peers: installing libcoap3-bin (apt)"
    $sudo apt-get update -qq >/dev/null 2>&1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcoap3-bin >/dev/null 2>&1 \
        || echo "peers: libcoap3-bin could not be installed; libcoap interop tests will skip"
fi

if command -v npm >/dev/null 2>&1; then
    if [ ! -d tests/interop/node/node_modules/lwm2m-node-lib ]; then
        echo "peers: installing lwm2m-node-lib (npm)"
        (cd tests/interop/node && npm install --no-audit --no-fund --silent >/dev/null 2>&1) \
            || echo "peers: lwm2m-node-lib could not be installed; its interop tests will skip"
    fi
else
    echo "peers: npm not found; lwm2m-node-lib interop tests will skip"
fi
exit 0
