"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Bounded-memory benchmark of the whole job through one local host (`dist/dev/host/cli.js`, the
 * `npm start` host), standing in for one Flex Consumption instance of 2 GB:
 *
 *   npm run bench:host -- [--jobs N=12] [--size MiB=99] [--heap MB=1536]
 *
 * Generates one all-distinct CSV (see ./datasets.ts), starts Azurite (on disk, in a temp directory)
 * and a host with `--max-old-space-size=<heap>`, submits N jobs of that file at once with the typed
 * client (host.json's batchSize 8 + newBatchThreshold 4 = 12 run concurrently), waits for all, and
 * prints whether each succeeded, the elapsed time, the throughput and the host's peak RSS (VmHWM of
 * /proc/<pid>/status). Everything generated is deleted at the end.
 */
const node_child_process_1 = require("node:child_process");
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
const azurite_1 = require("../dev/host/azurite");
const jobClient_1 = require("../src/client/jobClient");
const datasets_1 = require("./datasets");
const MiB = 1024 * 1024;
function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
}
/** Peak resident set size of a process, in MB (Linux). */
function peakRssMB(pid) {
    const m = /VmHWM:\s+(\d+) kB/.exec((0, node_fs_1.readFileSync)(`/proc/${pid}/status`, 'utf8'));
    return m === null ? NaN : Number(m[1]) / 1024;
}
async function main() {
    const jobs = arg('jobs', 12);
    const sizeMiB = arg('size', 99);
    const heapMB = arg('heap', 1536);
    const dir = (0, node_fs_1.mkdtempSync)((0, node_path_1.join)((0, node_os_1.tmpdir)(), 'csv-report-host-bench-'));
    const repo = (0, node_path_1.join)(__dirname, '..', '..');
    const file = (0, node_path_1.join)(dir, 'distinct.csv');
    await (0, datasets_1.writeBenchmarkCsv)(file, 'distinct', sizeMiB * MiB);
    const bytes = (0, node_fs_1.statSync)(file).size;
    console.log(`host benchmark: ${jobs} concurrent jobs of ${(bytes / MiB).toFixed(1)} MiB (all-distinct), host --max-old-space-size=${heapMB}, node ${process.version}, ${new Date().toISOString()}`);
    const azurite = await (0, azurite_1.startAzurite)({ location: (0, node_path_1.join)(dir, 'azurite') });
    const env = {
        ...process.env,
        AzureWebJobsStorage: azurite.connectionString,
        JOBS_QUEUE_NAME: 'bench-jobs',
        JOBS_CONTAINER_NAME: 'bench-jobs',
        JOBS_MAX_INPUT_BYTES: String(2 * bytes),
    };
    const host = (0, node_child_process_1.spawn)(process.execPath, [`--max-old-space-size=${heapMB}`, (0, node_path_1.join)(repo, 'dist', 'dev', 'host', 'cli.js'), '--port', '0', '--no-azurite', '--app-dir', repo], {
        env,
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    host.stdout.on('data', (c) => (out += c.toString()));
    host.stderr.on('data', (c) => (out += c.toString()));
    let hostExit;
    host.on('exit', (code, signal) => (hostExit = `exited with ${code ?? signal}`));
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
        const client = (0, jobClient_1.createJobClient)({ baseUrl: `http://127.0.0.1:${port}` });
        const t0 = Date.now();
        const results = await Promise.allSettled(Array.from({ length: jobs }, async () => {
            const job = await client.submit('csv-report', await (0, node_fs_1.openAsBlob)(file), { contentType: 'text/csv' });
            const report = await job.wait({ as: 'json' });
            return { seconds: (Date.now() - t0) / 1000, rows: report.rows };
        }));
        const seconds = (Date.now() - t0) / 1000;
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        results.forEach((r, i) => {
            if (r.status === 'fulfilled')
                console.log(`  job ${i + 1}: Succeeded after ${r.value.seconds.toFixed(1)} s, ${r.value.rows.toLocaleString('en')} rows`);
            else
                console.log(`  job ${i + 1}: FAILED: ${String(r.reason)}`);
        });
        const rss = hostExit === undefined ? peakRssMB(host.pid) : NaN;
        console.log(`${ok}/${jobs} succeeded in ${seconds.toFixed(1)} s (${((jobs * bytes) / MiB / seconds).toFixed(1)} MiB/s in all, upload included); host peak RSS ${rss.toFixed(0)} MB${hostExit ? `; host ${hostExit}` : ''}`);
        if (ok !== jobs || hostExit !== undefined)
            process.exitCode = 1;
    }
    finally {
        host.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 1000));
        await azurite.stop();
        (0, node_fs_1.rmSync)(dir, { recursive: true, force: true });
    }
}
main().catch((err) => {
    console.error(err);
    process.exit(1);
});
//# sourceMappingURL=hostMemory.js.map