"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.devAccount = void 0;
exports.azuriteConnectionString = azuriteConnectionString;
exports.startAzurite = startAzurite;
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
/** Azurite's well-known development account (public, documented: https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key). */
exports.devAccount = {
    name: 'devstoreaccount1',
    key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};
/** Connection string of the development account at the given ports. */
function azuriteConnectionString(blobPort, queuePort, host = '127.0.0.1') {
    return ([
        'DefaultEndpointsProtocol=http',
        `AccountName=${exports.devAccount.name}`,
        `AccountKey=${exports.devAccount.key}`,
        `BlobEndpoint=http://${host}:${blobPort}/${exports.devAccount.name}`,
        `QueueEndpoint=http://${host}:${queuePort}/${exports.devAccount.name}`,
    ].join(';') + ';');
}
/**
 * Starts Azurite (blob, queue, table) from the `azurite` npm package as a child process, with
 * `--skipApiVersionCheck` (current SDKs send API versions Azurite would otherwise reject),
 * `--disableTelemetry` and `--silent`, and waits until blob and queue listen.
 * @throws when Azurite exits or does not listen within 30 s (e.g. a port is taken)
 */
async function startAzurite(opts = {}) {
    const pkgDir = (0, node_path_1.dirname)(require.resolve('azurite/package.json'));
    const bin = (0, node_path_1.join)(pkgDir, 'dist', 'src', 'azurite.js');
    const args = [
        bin,
        '--skipApiVersionCheck',
        '--disableTelemetry',
        '--silent',
        '--blobPort',
        String(opts.blobPort ?? 10000),
        '--queuePort',
        String(opts.queuePort ?? 10001),
        '--tablePort',
        String(opts.tablePort ?? 10002),
    ];
    if (opts.inMemory)
        args.push('--inMemoryPersistence');
    else {
        const location = opts.location ?? '.azurite';
        (0, node_fs_1.mkdirSync)(location, { recursive: true });
        args.push('--location', location);
    }
    args.push(...(opts.extraArgs ?? []));
    const child = (0, node_child_process_1.spawn)(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const ports = await new Promise((resolve, reject) => {
        let blob;
        let queue;
        const timer = setTimeout(() => fail(new Error(`Azurite did not start within 30 s:\n${output}`)), 30_000);
        const fail = (err) => {
            clearTimeout(timer);
            child.kill('SIGKILL');
            reject(err);
        };
        const onData = (chunk) => {
            output += chunk.toString();
            blob ??= Number(/Blob service is successfully listening at https?:\/\/[^:]+:(\d+)/.exec(output)?.[1]) || undefined;
            queue ??= Number(/Queue service is successfully listening at https?:\/\/[^:]+:(\d+)/.exec(output)?.[1]) || undefined;
            if (blob && queue) {
                clearTimeout(timer);
                resolve({ blob, queue });
            }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => fail(new Error(`Azurite exited (code ${code}):\n${output}`)));
    });
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return {
        blobPort: ports.blob,
        queuePort: ports.queue,
        connectionString: azuriteConnectionString(ports.blob, ports.queue),
        process: child,
        async stop() {
            if (child.exitCode !== null || child.signalCode !== null)
                return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
        },
    };
}
//# sourceMappingURL=azurite.js.map