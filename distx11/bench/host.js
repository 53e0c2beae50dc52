"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.startBenchHost = startBenchHost;
/**
 * One local Functions host (`dist/dev/host/cli.js`, the `npm start` host) on its own Azurite, for the
 * benchmarks that run whole jobs through the app (./hostMemory.ts, ./job.ts). bench/ may not import
 * test/ (see .dependency-cruiser.cjs), so this is the benchmarks' counterpart of
 * test/support/localHost.ts.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const azurite_1 = require("../dev/host/azurite");
const repo = (0, node_path_1.join)(__dirname, '..', '..');
/**
 * Starts Azurite (on disk under `dir`) and a host on a free port with the job queue and container
 * `bench-jobs`. Resolves once the host listens.
 * @throws Error with the host's output when it exits before listening
 */
async function startBenchHost({ dir, maxInputBytes, heapMB }) {
    const azurite = await (0, azurite_1.startAzurite)({ location: (0, node_path_1.join)(dir, 'azurite') });
    const env = {
        ...process.env,
        AzureWebJobsStorage: azurite.connectionString,
        JOBS_QUEUE_NAME: 'bench-jobs',
        JOBS_CONTAINER_NAME: 'bench-jobs',
        JOBS_MAX_INPUT_BYTES: String(maxInputBytes),
    };
    const args = [(0, node_path_1.join)(repo, 'dist', 'dev', 'host', 'cli.js'), '--port', '0', '--no-azurite', '--app-dir', repo];
    const host = (0, node_child_process_1.spawn)(process.execPath, heapMB === undefined ? args : [`--max-old-space-size=${heapMB}`, ...args], {
        env,
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    host.stdout.on('data', (c) => (out += c.toString()));
    host.stderr.on('data', (c) => (out += c.toString()));
    let hostExit;
    const exited = new Promise((resolve) => host.on('exit', (code, signal) => {
        hostExit = `exited with ${code ?? signal}`;
        resolve();
    }));
    const stop = async () => {
        if (hostExit === undefined) {
            host.kill('SIGTERM');
            await exited;
        }
        await azurite.stop();
    };
    try {
        const port = await new Promise((resolve, reject) => {
            const timer = setInterval(() => {
                const m = /Local host listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
                if (m) {
                    clearInterval(timer);
                    resolve(Number(m[1]));
                }
                else if (hostExit !== undefined) {
                    clearInterval(timer);
                    reject(new Error(`host ${hostExit}:\n${out}`));
                }
            }, 100);
        });
        return {
            baseUrl: `http://127.0.0.1:${port}`,
            process: host,
            exit: () => hostExit,
            peakRssMB: () => {
                const m = /VmHWM:\s+(\d+) kB/.exec((0, node_fs_1.readFileSync)(`/proc/${host.pid}/status`, 'utf8'));
                return m === null ? NaN : Number(m[1]) / 1024;
            },
            stop,
        };
    }
    catch (err) {
        await stop();
        throw err;
    }
}
//# sourceMappingURL=host.js.map