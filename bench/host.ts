/**
 * One local Functions host (the `npm start` host, started by the host package's hostProcess.ts) on its own Azurite, for the
 * benchmarks that run whole jobs through the app (./hostMemory.ts, ./job.ts). bench/ may not import
 * test/ (see .dependency-cruiser.cjs), so this is the benchmarks' counterpart of
 * test/support/localHost.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { startAzurite } from '@async-request-reply/local-host/azurite';
import { type HostProcess, startHostProcess } from '@async-request-reply/local-host/hostProcess';

import { peakRssMB } from './measure';

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
 * @throws Error with the host's output when it exits before listening (Azurite is stopped then)
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
  let host: HostProcess;
  try {
    host = await startHostProcess({ appDir: repo, env, nodeArgs: heapMB === undefined ? [] : [`--max-old-space-size=${heapMB}`] });
  } catch (err) {
    await azurite.stop();
    throw err;
  }
  const child = host.process;
  return {
    baseUrl: host.baseUrl,
    process: child,
    exit: () => (child.exitCode !== null || child.signalCode !== null ? `exited with ${child.exitCode ?? child.signalCode}` : undefined),
    peakRssMB: () => peakRssMB(child.pid ?? NaN),
    async stop() {
      await host.stop();
      await azurite.stop();
    },
  };
}
