// lwm2m-node-lib's server as a peer for our client engine (tests/interop/test_client_peers.py).
// Listens on the UDP port given on the command line, prints one JSON line per event and answers
// stdin commands with one JSON line each:
//   read EP OBJ INST RES          -> {"event":"read","value":...} or {"event":"error",...}
//   write EP OBJ INST RES VALUE   -> {"event":"write"} or {"event":"error",...}
'use strict';

var lwm2mServer = require('lwm2m-node-lib').server;
var port = parseInt(process.argv[2], 10);

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

var config = {
    port: port, lifetimeCheckInterval: 60000, udpWindow: 100, defaultType: 'Device',
    types: [], logLevel: 'FATAL', ipProtocol: 'udp4', serverProtocol: 'udp4',
    formats: [{name: 'application-vnd-oma-lwm2m/text', value: 1541}],
    writeFormat: 'application-vnd-oma-lwm2m/text', defaultAcceptFormat: 'text/plain'
};

lwm2mServer.start(config, function (error, serverInfo) {
    if (error) { out({event: 'error', error: String(error)}); process.exit(1); }
    lwm2mServer.setHandler(serverInfo, 'registration', function (ep, lt, version, binding, payload, cb) {
        out({event: 'registered', endpoint: ep, lifetime: lt, version: version, binding: binding,
             payload: String(payload)});
        cb();
    });
    lwm2mServer.setHandler(serverInfo, 'unregistration', function (device, cb) {
        out({event: 'deregistered', endpoint: device && device.name});
        cb();
    });
    out({event: 'ready'});
    var buffer = '';
    process.stdin.on('data', function (chunk) {
        buffer += String(chunk);
        var lines = buffer.split('\n');
        buffer = lines.pop();
        lines.forEach(handle);
    });
    process.stdin.on('end', function () { process.exit(0); });
});

function handle(line) {
    var parts = line.trim().split(' ');
    if (parts.length < 5) { return; }
    lwm2mServer.getRegistry().getByName(parts[1], function (err, device) {
        if (err) { out({event: 'error', error: String(err)}); return; }
        if (parts[0] === 'read') {
            lwm2mServer.read(device.id, parts[2], parts[3], parts[4], function (e, value) {
                if (e) { out({event: 'error', error: String(e.message || e)}); }
                else { out({event: 'read', value: value}); }
            });
        } else if (parts[0] === 'write') {
            lwm2mServer.write(device.id, parts[2], parts[3], parts[4], parts.slice(5).join(' '),
                function (e) {
                    if (e) { out({event: 'error', error: String(e.message || e)}); }
                    else { out({event: 'write'}); }
                });
        }
    });
}
