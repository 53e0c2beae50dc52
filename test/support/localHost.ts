import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { startHostProcess } from '@async-request-reply/local-host/hostProcess';
import { StorageProxy } from '@async-request-reply/local-host/storageProxy';

import { isolatedSettings, storageConnectionString } from './env';

const repo = join(__dirname, '..', '..');

/** A local host child process started for a test. */
export interface TestHost {
  baseUrl: string;
  settings: Record<string, string>;
  process: ChildProcess;
  /** Everything the host printed so far. */
  output(): string;
  /** Stops the host (SIGTERM by default; SIGKILL to simulate a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `dev/host/dist/cli.js` (the `npm start` host, built by `pretest`) on a free port, against
 * the test Azurite, with an isolated queue and container unless `settings` name them
 * (dev/host/hostProcess.ts, shared with the benchmarks).
 * @param appDir app to load (default: this repository)
 */
export async function startTestHost(settings: Record<string, string> = {}, appDir = repo): Promise<TestHost> {
  const env = { ...process.env, ...isolatedSettings(), ...settings };
  const host = await startHostProcess({ appDir, env });
  return {
    ...host,
    settings: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('JOBS_') || k === 'AzureWebJobsStorage')) as Record<
      string,
      string
    >,
  };
}

/**
 * {@link startTestHost} whose storage is reached through a {@link StorageProxy} that passes job inputs
 * on at `inputBytesPerSecond` at most (the proxy's bandwidth fault on `input-read`): a job of N bytes
 * then runs for at least N / rate seconds however fast the machine, so tests can catch it Running.
 * `stop()` stops the host, then the proxy.
 */
export async function startTestHostWithSlowInputs(inputBytesPerSecond: number, settings: Record<string, string> = {}): Promise<TestHost> {
  const proxy = await StorageProxy.start(storageConnectionString());
  proxy.inject({ kind: 'input-read', fault: { bytesPerSecond: inputBytesPerSecond } });
  try {
    const host = await startTestHost({ AzureWebJobsStorage: proxy.connectionString, ...settings });
    return {
      ...host,
      async stop(signal?: NodeJS.Signals) {
        await host.stop(signal);
        await proxy.stop();
      },
    };
  } catch (err) {
    await proxy.stop();
    throw err;
  }
}
