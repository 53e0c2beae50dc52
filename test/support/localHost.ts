import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

import { isolatedSettings } from './env';

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
 * the test Azurite, with an isolated queue and container unless `settings` name them.
 * @param appDir app to load (default: this repository)
 */
export async function startTestHost(settings: Record<string, string> = {}, appDir = repo): Promise<TestHost> {
  const env = { ...process.env, ...isolatedSettings(), ...settings };
  const child = spawn(process.execPath, [join(repo, 'dev', 'host', 'dist', 'cli.js'), '--port', '0', '--no-azurite', '--app-dir', appDir], {
    env,
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Host did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /Local host listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', check);
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`Host exited with ${code}:\n${out}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout.on('data', () => {
      if (/Local host listening/.test(out)) child.off('exit', onEarlyExit);
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    settings: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('JOBS_') || k === 'AzureWebJobsStorage')) as Record<
      string,
      string
    >,
    process: child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
