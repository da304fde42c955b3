// lwm2m-node-lib's server for bench/bench_server.py: listens on the port given on the command
// line and answers stdin commands with one JSON line each:
//   count                 -> {"event":"count","n":N}
//   read OBJ INST RES C   -> reads that resource from every device, C at a time,
//                            {"event":"reads","latencies":[ms...],"errors":E}
//   rss                   -> {"event":"rss","rss":bytes}
//   observe OBJ INST RES C -> observes that resource on every device, C at a time
//                            (bench/bench_soak.py), {"event":"observed","ok":N,"errors":E,
//                            "seconds":S}; later "count" also says how many notifications came
'use strict';

var lwm2mServer = require('lwm2m-node-lib').server;
var port = parseInt(process.argv[2], 10);

var notifications = 0;

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

var config = {
    port: port, lifetimeCheckInterval: 60000, udpWindow: 100, defaultType: 'Device',
    types: [], logLevel: 'FATAL', ipProtocol: 'udp4', serverProtocol: 'udp4',
    formats: [{name: 'application-vnd-oma-lwm2m/text', value: 1541}],
    writeFormat: 'application-vnd-oma-lwm2m/text', defaultAcceptFormat: 'text/plain'
};

lwm2mServer.start(config, function (error, serverInfo) {
    if (error) { out({event: 'error', error: String(error)}); process.exit(1); }
    lwm2mServer.setHandler(serverInfo, 'registration', function (ep, lt, version, binding, payload, cb) { cb(); });
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
    if (parts[0] === 'count') {
        lwm2mServer.getRegistry().list(function (e, devices) { out({event: 'count', n: devices.length, notifications: notifications}); });
    } else if (parts[0] === 'observe') {
        lwm2mServer.getRegistry().list(function (e, devices) {
            var queue = devices.slice(), ok = 0, errors = 0, active = 0, started = Date.now();
            var concurrency = parseInt(parts[4], 10);
            function next() {
                if (queue.length === 0) {
                    if (active === 0) { out({event: 'observed', ok: ok, errors: errors, seconds: (Date.now() - started) / 1000}); }
                    return;
                }
                var device = queue.shift();
                active += 1;
                lwm2mServer.observe(device.id, parts[1], parts[2], parts[3], function () { notifications += 1; }, function (err) {
                    active -= 1;
                    if (err) { errors += 1; } else { ok += 1; }
                    next();
                });
            }
            for (var i = 0; i < concurrency; i++) { next(); }
            if (devices.length === 0) { out({event: 'observed', ok: 0, errors: 0, seconds: 0}); }
        });
    } else if (parts[0] === 'rss') {
        out({event: 'rss', rss: process.memoryUsage().rss});
    } else if (parts[0] === 'read') {
        lwm2mServer.getRegistry().list(function (e, devices) {
            var queue = devices.slice(), latencies = [], errors = 0, active = 0;
            var concurrency = parseInt(parts[4], 10);
            function next() {
                if (queue.length === 0) {
                    if (active === 0) { out({event: 'reads', latencies: latencies, errors: errors}); }
                    return;
                }
                var device = queue.shift(), start = process.hrtime.bigint();
                active += 1;
                lwm2mServer.read(device.id, parts[1], parts[2], parts[3], function (err) {
                    active -= 1;
                    if (err) { errors += 1; } else { latencies.push(Number(process.hrtime.bigint() - start) / 1e6); }
                    next();
                });
            }
            for (var i = 0; i < concurrency; i++) { next(); }
            if (devices.length === 0) { out({event: 'reads', latencies: [], errors: 0}); }
        });
    }
}
