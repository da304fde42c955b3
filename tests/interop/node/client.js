// A lwm2m-node-lib client driven by the interop tests: registers with the server given on the
// command line, prints one JSON line per event (registered, write, execute, read) and exits
// (after de-registering) when stdin closes. Usage: node client.js HOST PORT ENDPOINT
'use strict';

var lwm2mClient = require('lwm2m-node-lib').client;
var host = process.argv[2], port = process.argv[3], endpoint = process.argv[4];

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

lwm2mClient.init({
    client: {
        lifetime: '60', version: '1.0', logLevel: 'FATAL', observe: {period: 200},
        ipProtocol: 'udp4', serverProtocol: 'udp4',
        formats: [{name: 'lightweightm2m/text', value: 1541}], writeFormat: 'lightweightm2m/text'
    },
    logLevel: 'FATAL'
});

function set(uri, id, value, cb) { lwm2mClient.registry.setResource(uri, id, value, cb); }

lwm2mClient.registry.create('/3/0', function () {
    set('/3/0', '0', 'Telefonica', function () {
        set('/3/0', '9', '87', function () {
            set('/3/0', '4', '', function () {
                lwm2mClient.register(host, port, null, endpoint, function (error, info) {
                    if (error) { out({event: 'error', error: String(error)}); process.exit(1); }
                    lwm2mClient.setHandler(info.serverInfo, 'write', function (objType, objId, resId, value, cb) {
                        out({event: 'write', path: '/' + objType + '/' + objId + '/' + resId, value: String(value)});
                        cb(null);
                    });
                    lwm2mClient.setHandler(info.serverInfo, 'execute', function (objType, objId, resId, args, cb) {
                        out({event: 'execute', path: '/' + objType + '/' + objId + '/' + resId, args: String(args)});
                        cb(null);
                    });
                    out({event: 'registered', location: info.location, port: info.localPort});
                    process.stdin.on('data', function (chunk) {
                        String(chunk).split('\n').forEach(function (line) {
                            var parts = line.trim().split(' ');
                            if (parts[0] === 'set') {
                                set(parts[1], parts[2], parts[3], function () { out({event: 'set', path: parts[1]}); });
                            }
                        });
                    });
                    process.stdin.on('end', function () {
                        lwm2mClient.unregister(info, function () { out({event: 'deregistered'}); process.exit(0); });
                        setTimeout(function () { process.exit(0); }, 2000);
                    });
                });
            });
        });
    });
});
