#!/usr/bin/env node
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * `npm run job -- <type> <file> [options]`: submits a file as a job through the typed client
 * (src/client), shows its progress, then prints the result or saves it.
 *
 * ```
 * npm run job -- csv-report data.csv [--base-url http://localhost:7071] [--option delimiter=;] [--out report.json]
 * ```
 *
 * - The file is streamed from disk (`fs.openAsBlob`, with `Content-Length`).
 * - Progress: a live bar (cli-progress, on stderr) with percent, rows and ETA from the status
 *   document's `percentComplete` / `progress`; when stdout is not a TTY, one line per poll on stderr.
 * - Result: JSON pretty-printed on stdout, or written to `--out` (other media types: raw bytes).
 * - Exit codes: 0 success; 1 the job failed or the API answered with a problem (printed on stderr as
 *   problem details), or the API could not be reached; 2 usage error; 130 interrupted (Ctrl-C: the job
 *   is canceled first; a second Ctrl-C exits at once).
 */
const node_fs_1 = require("node:fs");
const promises_1 = require("node:fs/promises");
const node_path_1 = require("node:path");
const node_util_1 = require("node:util");
const cli_progress_1 = require("cli-progress");
const client_1 = require("../src/client");
const usage = `Usage: npm run job -- <type> <file> [options]

Submits <file> as a job of <type> (e.g. csv-report), shows its progress and prints the result.

Options:
  --base-url <url>         root URL of the app (default: $JOBS_BASE_URL or http://localhost:7071)
  --option <key=value>     processor option, repeatable (csv-report: delimiter=; header=false)
  --out <file>             save the result to <file> instead of printing it
  --content-type <type>    media type of <file> (default from its extension: .csv text/csv, .json application/json)
  --idempotency-key <key>  Idempotency-Key of the submit (resubmitting returns the same job)
  -h, --help               show this help

Exit codes: 0 done, 1 job failed or API error, 2 usage error, 130 interrupted (the job is canceled).`;
const mediaTypes = { '.csv': 'text/csv', '.tsv': 'text/csv', '.json': 'application/json', '.txt': 'text/plain' };
class UsageError extends Error {
}
function parse(argv) {
    const { values, positionals } = (0, node_util_1.parseArgs)({
        args: argv,
        allowPositionals: true,
        options: {
            'base-url': { type: 'string' },
            option: { type: 'string', multiple: true },
            out: { type: 'string' },
            'content-type': { type: 'string' },
            'idempotency-key': { type: 'string' },
            help: { type: 'boolean', short: 'h' },
        },
    });
    if (values.help)
        return 'help';
    const [type, file, ...extra] = positionals;
    if (!type || !file || extra.length > 0)
        throw new UsageError('Expected exactly two arguments: <type> <file>.');
    const options = {};
    for (const pair of values.option ?? []) {
        const eq = pair.indexOf('=');
        if (eq <= 0)
            throw new UsageError(`--option expects key=value, got '${pair}'.`);
        options[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return {
        type,
        file,
        baseUrl: values['base-url'] ?? process.env.JOBS_BASE_URL ?? 'http://localhost:7071',
        options,
        out: values.out,
        contentType: values['content-type'] ?? mediaTypes[(0, node_path_1.extname)(file).toLowerCase()] ?? 'application/octet-stream',
        idempotencyKey: values['idempotency-key'],
    };
}
function formatSeconds(s) {
    if (s === undefined || !Number.isFinite(s))
        return '--';
    if (s < 60)
        return `${Math.ceil(s)}s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
/** Shows progress: a live bar on a terminal, else one line per status document. */
class ProgressView {
    interactive;
    bar;
    first;
    constructor(interactive) {
        this.interactive = interactive;
    }
    /** ETA in seconds from the rate observed since the first Running document (undefined until known). */
    eta(doc) {
        const now = Date.now();
        if (doc.status !== 'Running')
            return doc.status === 'Succeeded' ? 0 : undefined;
        const p = doc.percentComplete;
        if (!this.first)
            this.first = { at: now, percent: p };
        const rate = now > this.first.at ? (p - this.first.percent) / ((now - this.first.at) / 1000) : 0;
        if (rate > 0)
            return (100 - p) / rate;
        // One observation so far: extrapolate from the server's timestamps (time since the job was created).
        const elapsedS = (Date.parse(doc.lastUpdatedDateTime) - Date.parse(doc.createdDateTime)) / 1000;
        return p > 0 && elapsedS > 0 ? (elapsedS * (100 - p)) / p : undefined;
    }
    update(doc) {
        const percent = Math.max(0, Math.min(100, Math.round(doc.percentComplete)));
        const rows = typeof doc.progress.rows === 'number' ? doc.progress.rows.toLocaleString('en-US') : '-';
        const eta = formatSeconds(this.eta(doc));
        if (this.interactive) {
            if (!this.bar) {
                this.bar = new cli_progress_1.SingleBar({ format: '{bar} {percentage}% | {rows} rows | ETA {etaText} | {status}', stream: process.stderr, hideCursor: true, barsize: 30 }, cli_progress_1.Presets.shades_classic);
                this.bar.start(100, percent, { rows, etaText: eta, status: doc.status });
            }
            else {
                this.bar.update(percent, { rows, etaText: eta, status: doc.status });
            }
        }
        else {
            process.stderr.write(`${doc.status} ${percent}% | ${rows} rows | ETA ${eta}\n`);
        }
    }
    stop() {
        this.bar?.stop();
        this.bar = undefined;
    }
}
function printProblem(err, what) {
    const lines = [`${what}: ${err.status} ${err.title}`];
    if (err.detail)
        lines.push(`  ${err.detail}`);
    for (const e of err.errors ?? [])
        lines.push(`  ${e.path}: ${e.message}`);
    if (err.jobId)
        lines.push(`  job id: ${err.jobId}`);
    lines.push(`  trace id: ${err.traceId}`);
    lines.push(JSON.stringify(err.problem, null, 2));
    process.stderr.write(`${lines.join('\n')}\n`);
}
async function main(argv) {
    let args;
    try {
        args = parse(argv);
    }
    catch (err) {
        process.stderr.write(`${err.message}\n\n${usage}\n`);
        return 2;
    }
    if (args === 'help') {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const size = await (0, promises_1.stat)(args.file).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
    if (size === undefined) {
        process.stderr.write(`No such file: ${args.file}\n`);
        return 2;
    }
    let client;
    try {
        client = (0, client_1.createJobClient)({ baseUrl: args.baseUrl });
    }
    catch (err) {
        process.stderr.write(`Invalid --base-url: ${err.message}\n`);
        return 2;
    }
    const controller = new AbortController();
    let job;
    const onSigint = () => {
        if (controller.signal.aborted)
            process.exit(130); // second Ctrl-C: give up at once
        process.stderr.write(`\nInterrupted: ${job ? `canceling job ${job.id}...` : 'stopping...'}\n`);
        controller.abort();
    };
    process.on('SIGINT', onSigint);
    const view = new ProgressView(Boolean(process.stdout.isTTY && process.stderr.isTTY));
    try {
        const body = await (0, node_fs_1.openAsBlob)(args.file, { type: args.contentType });
        job = await client.submit(args.type, body, {
            contentType: args.contentType,
            options: args.options,
            signal: controller.signal,
            ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
        });
        process.stderr.write(`Job ${job.id} accepted (${(0, node_path_1.basename)(args.file)}, ${size} bytes, trace ${job.traceId})\n`);
        if (job.accepted && view.interactive)
            view.update(job.accepted);
        const result = await job.wait({ signal: controller.signal, onProgress: (doc) => view.update(doc), as: 'blob' });
        view.stop();
        const bytes = Buffer.from(await result.arrayBuffer());
        const isJson = /^application\/(.+\+)?json\b/i.test(result.type);
        const output = isJson ? Buffer.from(`${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`) : bytes;
        if (args.out) {
            await (0, promises_1.writeFile)(args.out, output);
            process.stderr.write(`Job ${job.id} succeeded: result (${result.type || 'unknown type'}) saved to ${args.out}\n`);
        }
        else {
            await new Promise((resolve, reject) => process.stdout.write(output, (e) => (e ? reject(e) : resolve())));
            process.stderr.write(`Job ${job.id} succeeded.\n`);
        }
        return 0;
    }
    catch (err) {
        view.stop();
        if (controller.signal.aborted && (0, client_1.isAbortError)(err)) {
            process.stderr.write(job ? `Job ${job.id} canceled.\n` : 'Interrupted before the job was accepted.\n');
            return 130;
        }
        if (err instanceof client_1.JobProblemError) {
            printProblem(err, job ? `Job ${job.id} failed` : 'Submit rejected');
            return 1;
        }
        const cause = err.cause;
        const why = cause?.code ?? cause?.message;
        process.stderr.write(`Error: ${err?.message ?? String(err)}${why ? ` (${why}; is the app running at ${args.baseUrl}?)` : ''}\n`);
        return 1;
    }
    finally {
        process.off('SIGINT', onSigint);
    }
}
main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
}, (err) => {
    process.stderr.write(`${err?.stack ?? String(err)}\n`);
    process.exitCode = 1;
});
//# sourceMappingURL=job.js.map