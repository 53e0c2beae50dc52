#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const azurite_1 = require("./azurite");
const host_1 = require("./host");
const settings_1 = require("./settings");
/**
 * `npm start`: the local development host. Applies local.settings.json (created from the example on
 * first start), starts Azurite when the app uses development storage, loads the app and serves it.
 * Ctrl-C (SIGINT) or SIGTERM stops everything it started.
 *
 * Flags: `--port N` (default `Host.LocalHttpPort` or 7071; 0 = any free port), `--in-memory`
 * (Azurite keeps no data on disk), `--no-azurite` (use the storage the settings name).
 * Dev-only setting: `LOCAL_HOST_QUEUE_LEASE_SECONDS` shortens the queue lease (default 600) for tests.
 */
async function main() {
    const { values } = (0, node_util_1.parseArgs)({
        options: {
            port: { type: 'string' },
            'in-memory': { type: 'boolean', default: false },
            'no-azurite': { type: 'boolean', default: false },
            'app-dir': { type: 'string' },
        },
    });
    const appDir = (0, node_path_1.resolve)(values['app-dir'] ?? process.cwd());
    const settings = (0, settings_1.applyLocalSettings)(appDir);
    let azurite;
    const devStorage = /^UseDevelopmentStorage=true$/i.test(process.env.AzureWebJobsStorage ?? '');
    if (devStorage && !values['no-azurite']) {
        azurite = await (0, azurite_1.startAzurite)({ inMemory: values['in-memory'], location: (0, node_path_1.resolve)(appDir, '.azurite') });
        console.log(`Azurite: blob http://127.0.0.1:${azurite.blobPort}, queue http://127.0.0.1:${azurite.queuePort}${values['in-memory'] ? ' (in memory)' : ' (data in .azurite/)'}`);
    }
    const lease = Number(process.env.LOCAL_HOST_QUEUE_LEASE_SECONDS);
    let host;
    try {
        host = await (0, host_1.startLocalHost)({
            appDir,
            port: values.port !== undefined ? Number(values.port) : (settings.Host.LocalHttpPort ?? 7071),
            hostSettings: settings.Host,
            ...(lease > 0 ? { queueLeaseMs: lease * 1000 } : {}),
        });
    }
    catch (err) {
        await azurite?.stop();
        throw err;
    }
    console.log('Functions:');
    for (const r of host.http.routes)
        console.log(`  ${r.name}: [${r.methods.join(',')}] http://localhost:${host.port}${r.route}`);
    for (const f of host.functions.filter((fn) => !host.http.routes.some((r) => r.name === fn.name)))
        console.log(`  ${f.name}: ${f.trigger}`);
    console.log(`Local host listening on http://127.0.0.1:${host.port}`);
    let stopping = false;
    const stop = async (signal) => {
        if (stopping)
            return;
        stopping = true;
        console.log(`${signal}: stopping...`);
        const force = setTimeout(() => process.exit(1), 15_000);
        force.unref();
        await host.close().catch((e) => console.error(e));
        await azurite?.stop();
        process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
}
main().catch((err) => {
    console.error(`Local host failed to start: ${err?.message ?? String(err)}`);
    process.exit(1);
});
//# sourceMappingURL=cli.js.map