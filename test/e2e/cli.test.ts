import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { vegaCsv } from '../support/datasets';
import { startTestHost, type TestHost } from '../support/localHost';
import { type ReferenceCsvReport, referenceCsvReport } from '../support/referenceCsvStats';
import { waitFor } from '../support/waitFor';

/**
 * The `npm run job` CLI (dist/scripts/job.js, built by `npm run build`) as a child process against the
 * local host. Its stdout is a pipe, so it prints one progress line per poll on stderr.
 */
const repo = join(__dirname, '..', '..');
const cli = join(repo, 'dist', 'scripts', 'job.js');

let host: TestHost;
let dir: string;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (tsconfig.json must include scripts/**/*.ts).`);
  host = await startTestHost({ JOBS_RETRY_AFTER_SECONDS: '1', JOBS_PROGRESS_INTERVAL_MS: '200' });
  dir = mkdtempSync(join(tmpdir(), 'job-cli-'));
});
afterAll(async () => {
  await host?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  stderr(): string;
}

function runCli(args: string[], baseUrl = host.baseUrl): Run {
  const child = spawn(process.execPath, [cli, ...args, '--base-url', baseUrl], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

function file(name: string, content: Buffer | string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('success: prints the report JSON on stdout, progress lines on stderr, exit 0', async () => {
  const csv = vegaCsv('seattle-weather.csv');
  const { code, stdout, stderr } = await runCli(['csv-report', file('seattle-weather.csv', csv)]).done;
  expect(stderr).toMatch(/Job [0-9a-f-]{36} accepted \(seattle-weather\.csv, \d+ bytes, trace [0-9a-f]{32}\)/);
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as ReferenceCsvReport;
  const expected = referenceCsvReport(csv.toString('utf8'));
  expect(report.rows).toBe(1461);
  expect(report.columns.map((c) => [c.name, c.type, c.count, c.missing, c.distinct])).toEqual(
    expected.columns.map((c) => [c.name, c.type, c.count, c.missing, c.distinct]),
  );
  expect(report.columns[2]!.mean).toBeCloseTo(expected.columns[2]!.mean!, 9);
  expect(stderr).toMatch(/^Succeeded 100% \| [-0-9,]+ rows \| ETA 0s$/m);
  // eslint-disable-next-line no-control-regex -- looks for the ESC of an ANSI escape sequence
  expect(stderr).not.toMatch(/\u001b\[/); // no bar escape codes when stdout is not a TTY
});

test('--out writes the report to a file and --option passes processor options', async () => {
  const out = join(dir, 'report.json');
  const { code, stdout, stderr } = await runCli([
    'csv-report',
    file('semi.csv', 'x;y\n1;2.5\n3;4.5\n'),
    '--option',
    'delimiter=;',
    '--out',
    out,
  ]).done;
  expect(code).toBe(0);
  expect(stdout).toBe('');
  expect(stderr).toContain(`saved to ${out}`);
  const report = JSON.parse(readFileSync(out, 'utf8')) as ReferenceCsvReport;
  expect(report.rows).toBe(2);
  expect(report.columns.map((c) => [c.name, c.type, c.mean])).toEqual([
    ['x', 'integer', 2],
    ['y', 'number', 3.5],
  ]);
});

test('a failed job exits 1 with the problem details on stderr', async () => {
  const { code, stdout, stderr } = await runCli(['csv-report', file('bad.csv', 'a,b\n1,2\n3,"unterminated\n')]).done;
  expect(code).toBe(1);
  expect(stdout).toBe('');
  const id = /Job ([0-9a-f-]{36}) accepted/.exec(stderr)?.[1];
  expect(id).toBeDefined();
  expect(stderr).toContain(`Job ${id} failed: 422 Unprocessable Content`);
  expect(stderr).toMatch(/trace id: [0-9a-f]{32}/);
  const problem = JSON.parse(stderr.slice(stderr.indexOf('\n{') + 1)) as { status: number; detail: string };
  expect(problem.status).toBe(422);
  expect(stderr).toContain(problem.detail);
  expect(problem.detail).toMatch(/line|row/i);
});

test('a rejected submit exits 1 with the field-level errors; a missing file exits 2', async () => {
  const rejected = await runCli(['csv-report', file('ok.csv', 'a\n1\n'), '--option', 'delimiter=;;']).done;
  expect(rejected.code).toBe(1);
  expect(rejected.stderr).toContain('Submit rejected: 400 Bad Request');
  expect(rejected.stderr).toContain('query.delimiter');
  const missing = await runCli(['csv-report', join(dir, 'nope.csv')]).done;
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('No such file');
});

/**
 * The job must still be unfinished when Ctrl-C arrives, whatever the machine's speed: a second host
 * whose worker is disabled (`AzureWebJobs.processJob.Disabled`) keeps it NotStarted. That the worker
 * stops a Running job once it is canceled is proven in test/integration/jobRunner.test.ts.
 */
test('Ctrl-C (SIGINT) while the job is unfinished cancels it, then exits 130', async () => {
  const idle = await startTestHost({ 'AzureWebJobs.processJob.Disabled': 'true', JOBS_RETRY_AFTER_SECONDS: '1' });
  try {
    const run = runCli(['csv-report', file('waiting.csv', 'a,b\n1,2\n')], idle.baseUrl);
    await waitFor(
      'the CLI to print NotStarted or exit',
      () => /^NotStarted /m.test(run.stderr()) || run.child.exitCode !== null,
      20_000,
      50,
    );
    expect(run.stderr()).toMatch(/^NotStarted /m);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    const id = /Job ([0-9a-f-]{36}) accepted/.exec(stderr)![1]!;
    expect(stderr).toContain(`Job ${id} canceled.`);
    const doc = (await (await fetch(`${idle.baseUrl}/api/jobs/${id}?onComplete=status`)).json()) as { status: string };
    expect(doc.status).toBe('Canceled');
  } finally {
    await idle.stop();
  }
}, 40_000);
