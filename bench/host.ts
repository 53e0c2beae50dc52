/**
 * One local Functions host (`dist/dev/host/cli.js`, the `npm start` host) on its own Azurite, for the
 * benchmarks that run whole jobs through the app (./hostMemory.ts, ./job.ts). bench/ may not import
 * test/ (see .dependency-cruiser.cjs), so this is the benchmarks' counterpart of
 * test/support/localHost.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startAzurite } from '../dev/host/azurite';

const repo = join(__dirname, '..', '..');

/** Options of {@link startBenchHost}. */
export interface BenchHostOptions {
  /** Directory for Azurite's files (on disk, so that large inputs do not sit in its memory). */
  dir: string;
  /** Largest request body the app accepts, in bytes (`JOBS_MAX_INPUT_BYTES`). */
  maxInputBytes: number;
  /** `--max-old-space-size` of the host, in MB (none when absent). */
  heapMB?: number;
}

/** A running benchmark host. */
export interface BenchHost {
  /** `http://127.0.0.1:<port>` of the host. */
  baseUrl: string;
  process: ChildProcess;
  /** Why the host exited, when it did (`exited with <code or signal>`). */
  exit(): string | undefined;
  /** Peak resident set size of the host so far, in MB (VmHWM of /proc/<pid>/status; Linux). */
  peakRssMB(): number;
  /** Stops the host (SIGTERM) and Azurite. */
  stop(): Promise<void>;
}

/**
 * Starts Azurite (on disk under `dir`) and a host on a free port with the job queue and container
 * `bench-jobs`. Resolves once the host listens.
 * @throws Error with the host's output when it exits before listening
 */
export async function startBenchHost({ dir, maxInputBytes, heapMB }: BenchHostOptions): Promise<BenchHost> {
  const azurite = await startAzurite({ location: join(dir, 'azurite') });
  const env = {
    ...process.env,
    AzureWebJobsStorage: azurite.connectionString,
    JOBS_QUEUE_NAME: 'bench-jobs',
    JOBS_CONTAINER_NAME: 'bench-jobs',
    JOBS_MAX_INPUT_BYTES: String(maxInputBytes),
  };
  const args = [join(repo, 'dist', 'dev', 'host', 'cli.js'), '--port', '0', '--no-azurite', '--app-dir', repo];
  const host = spawn(process.execPath, heapMB === undefined ? args : [`--max-old-space-size=${heapMB}`, ...args], {
    env,
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  host.stdout.on('data', (c: Buffer) => (out += c.toString()));
  host.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let hostExit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    host.on('exit', (code, signal) => {
      hostExit = `exited with ${code ?? signal}`;
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (hostExit === undefined) {
      host.kill('SIGTERM');
      await exited;
    }
    await azurite.stop();
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /Local host listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(Number(m[1]));
        } else if (hostExit !== undefined) {
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
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${host.pid}/status`, 'utf8'));
        return m === null ? NaN : Number(m[1]) / 1024;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
