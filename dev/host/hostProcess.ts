import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A local host (`npm start`'s `dev/host/dist/cli.js`) running as a child process. */
export interface HostProcess {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  process: ChildProcess;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  /** Stops the host (SIGTERM by default; SIGKILL to simulate a crash) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of {@link startHostProcess}. */
export interface HostProcessOptions {
  /** App to load: a folder with host.json and package.json (`main`). */
  appDir: string;
  /** The host's whole environment (app settings included). */
  env: NodeJS.ProcessEnv;
  /** Extra Node.js flags, e.g. `--max-old-space-size=1536`. */
  nodeArgs?: string[];
  /** How long to wait for the host to listen, ms (default 30 000). */
  startTimeoutMs?: number;
}

/**
 * Starts the local host on a free port against the storage its settings name (`--no-azurite`), and
 * waits for its `Local host listening on http://127.0.0.1:<port>` line. Shared by the tests
 * (test/support/localHost.ts) and the benchmarks (bench/pipeline.ts).
 * @throws when the host exits or does not listen within `startTimeoutMs` (the message holds its output)
 */
export async function startHostProcess(opts: HostProcessOptions): Promise<HostProcess> {
  const appDir = opts.appDir;
  const cli = join(__dirname, 'cli.js');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), cli, '--port', '0', '--no-azurite', '--app-dir', appDir], {
    env: opts.env,
    cwd: appDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Host did not start:\n${out}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`Host exited with ${code}:\n${out}`));
    };
    child.once('exit', onEarlyExit);
    const check = () => {
      const m = /Local host listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      child.stdout.off('data', check);
      resolve(Number(m[1]));
    };
    child.stdout.on('data', check);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    process: child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
