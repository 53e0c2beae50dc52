#!/usr/bin/env node
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
import { openAsBlob } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';

import { Presets, SingleBar } from 'cli-progress';

import { createJobClient, isAbortError, type JobHandle, JobProblemError, type JobStatusDocument } from '../src/client';

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

const mediaTypes: Record<string, string> = { '.csv': 'text/csv', '.tsv': 'text/csv', '.json': 'application/json', '.txt': 'text/plain' };

class UsageError extends Error {}

interface Args {
  type: string;
  file: string;
  baseUrl: string;
  options: Record<string, string>;
  out: string | undefined;
  contentType: string;
  idempotencyKey: string | undefined;
}

function parse(argv: string[]): Args | 'help' {
  const { values, positionals } = parseArgs({
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
  if (values.help) return 'help';
  const [type, file, ...extra] = positionals;
  if (!type || !file || extra.length > 0) throw new UsageError('Expected exactly two arguments: <type> <file>.');
  const options: Record<string, string> = {};
  for (const pair of values.option ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option expects key=value, got '${pair}'.`);
    options[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return {
    type,
    file,
    baseUrl: values['base-url'] ?? process.env.JOBS_BASE_URL ?? 'http://localhost:7071',
    options,
    out: values.out,
    contentType: values['content-type'] ?? mediaTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
    idempotencyKey: values['idempotency-key'],
  };
}

function formatSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Shows progress: a live bar on a terminal, else one line per status document. */
class ProgressView {
  private bar: SingleBar | undefined;
  private first: { at: number; percent: number } | undefined;

  constructor(readonly interactive: boolean) {}

  /** ETA in seconds from the rate observed since the first Running document (undefined until known). */
  private eta(doc: JobStatusDocument): number | undefined {
    const now = Date.now();
    if (doc.status !== 'Running') return doc.status === 'Succeeded' ? 0 : undefined;
    const p = doc.percentComplete;
    if (!this.first) this.first = { at: now, percent: p };
    const rate = now > this.first.at ? (p - this.first.percent) / ((now - this.first.at) / 1000) : 0;
    if (rate > 0) return (100 - p) / rate;
    // One observation so far: extrapolate from the server's timestamps (time since the job was created).
    const elapsedS = (Date.parse(doc.lastUpdatedDateTime) - Date.parse(doc.createdDateTime)) / 1000;
    return p > 0 && elapsedS > 0 ? (elapsedS * (100 - p)) / p : undefined;
  }

  update(doc: JobStatusDocument): void {
    const percent = Math.max(0, Math.min(100, Math.round(doc.percentComplete)));
    const rows = typeof doc.progress.rows === 'number' ? doc.progress.rows.toLocaleString('en-US') : '-';
    const eta = formatSeconds(this.eta(doc));
    if (this.interactive) {
      if (!this.bar) {
        this.bar = new SingleBar(
          { format: '{bar} {percentage}% | {rows} rows | ETA {etaText} | {status}', stream: process.stderr, hideCursor: true, barsize: 30 },
          Presets.shades_classic,
        );
        this.bar.start(100, percent, { rows, etaText: eta, status: doc.status });
      } else {
        this.bar.update(percent, { rows, etaText: eta, status: doc.status });
      }
    } else {
      process.stderr.write(`${doc.status} ${percent}% | ${rows} rows | ETA ${eta}\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

function printProblem(err: JobProblemError, what: string): void {
  const lines = [`${what}: ${err.status} ${err.title}`];
  if (err.detail) lines.push(`  ${err.detail}`);
  for (const e of err.errors ?? []) lines.push(`  ${e.path}: ${e.message}`);
  if (err.jobId) lines.push(`  job id: ${err.jobId}`);
  lines.push(`  trace id: ${err.traceId}`);
  lines.push(JSON.stringify(err.problem, null, 2));
  process.stderr.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  let args: Args | 'help';
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const size = await stat(args.file).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
  if (size === undefined) {
    process.stderr.write(`No such file: ${args.file}\n`);
    return 2;
  }

  let client;
  try {
    client = createJobClient({ baseUrl: args.baseUrl });
  } catch (err) {
    process.stderr.write(`Invalid --base-url: ${(err as Error).message}\n`);
    return 2;
  }

  const controller = new AbortController();
  let job: JobHandle | undefined;
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130); // second Ctrl-C: give up at once
    process.stderr.write(`\nInterrupted: ${job ? `canceling job ${job.id}...` : 'stopping...'}\n`);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const view = new ProgressView(Boolean(process.stdout.isTTY && process.stderr.isTTY));
  try {
    const body = await openAsBlob(args.file, { type: args.contentType });
    job = await client.submit(args.type, body, {
      contentType: args.contentType,
      options: args.options,
      signal: controller.signal,
      ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
    });
    process.stderr.write(`Job ${job.id} accepted (${basename(args.file)}, ${size} bytes, trace ${job.traceId})\n`);
    if (job.accepted && view.interactive) view.update(job.accepted);
    const result = await job.wait<Blob>({ signal: controller.signal, onProgress: (doc) => view.update(doc), as: 'blob' });
    view.stop();
    const bytes = Buffer.from(await result.arrayBuffer());
    const isJson = /^application\/(.+\+)?json\b/i.test(result.type);
    const output = isJson ? Buffer.from(`${JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 2)}\n`) : bytes;
    if (args.out) {
      await writeFile(args.out, output);
      process.stderr.write(`Job ${job.id} succeeded: result (${result.type || 'unknown type'}) saved to ${args.out}\n`);
    } else {
      await new Promise<void>((resolve, reject) => process.stdout.write(output, (e) => (e ? reject(e) : resolve())));
      process.stderr.write(`Job ${job.id} succeeded.\n`);
    }
    return 0;
  } catch (err) {
    view.stop();
    if (controller.signal.aborted && isAbortError(err)) {
      process.stderr.write(job ? `Job ${job.id} canceled.\n` : 'Interrupted before the job was accepted.\n');
      return 130;
    }
    if (err instanceof JobProblemError) {
      printProblem(err, job ? `Job ${job.id} failed` : 'Submit rejected');
      return 1;
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    process.stderr.write(
      `Error: ${(err as Error)?.message ?? String(err)}${why ? ` (${why}; is the app running at ${args.baseUrl}?)` : ''}\n`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
