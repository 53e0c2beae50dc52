import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented: https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key). */
export const devAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/** Options for {@link startAzurite}. Ports 0 pick free ports. */
export interface AzuriteOptions {
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Keep data in memory only (default false). */
  inMemory?: boolean;
  /** Data folder when not in memory. */
  location?: string;
  /** Extra CLI flags (e.g. `--oauth basic`). */
  extraArgs?: string[];
}

/** A running Azurite. */
export interface Azurite {
  blobPort: number;
  queuePort: number;
  /** Account-key connection string for this instance (explicit endpoints). */
  connectionString: string;
  process: ChildProcess;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Account-key connection string with explicit HTTP endpoints (`http://<host>:<port>/<account name>`,
 * Azurite's path-style URLs) for blob and queue at the given ports: of the development account unless
 * `account` names another (e.g. the account behind a proxy, dev/host/storageProxy.ts).
 */
export function azuriteConnectionString(
  blobPort: number,
  queuePort: number,
  host = '127.0.0.1',
  account: { name: string; key: string } = devAccount,
): string {
  return (
    [
      'DefaultEndpointsProtocol=http',
      `AccountName=${account.name}`,
      `AccountKey=${account.key}`,
      `BlobEndpoint=http://${host}:${blobPort}/${account.name}`,
      `QueueEndpoint=http://${host}:${queuePort}/${account.name}`,
    ].join(';') + ';'
  );
}

/**
 * Starts Azurite (blob, queue, table) from the `azurite` npm package as a child process, with
 * `--skipApiVersionCheck` (current SDKs send API versions Azurite would otherwise reject),
 * `--disableTelemetry` and `--silent`, and waits until blob and queue listen.
 * @throws when Azurite exits or does not listen within 30 s (e.g. a port is taken)
 */
export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  const pkgDir = dirname(require.resolve('azurite/package.json'));
  const bin = join(pkgDir, 'dist', 'src', 'azurite.js');
  const args = [
    bin,
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
    '--blobPort',
    String(opts.blobPort ?? 10000),
    '--queuePort',
    String(opts.queuePort ?? 10001),
    '--tablePort',
    String(opts.tablePort ?? 10002),
  ];
  if (opts.inMemory) args.push('--inMemoryPersistence');
  else {
    const location = opts.location ?? '.azurite';
    mkdirSync(location, { recursive: true });
    args.push('--location', location);
  }
  args.push(...(opts.extraArgs ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ports = await new Promise<{ blob: number; queue: number }>((resolve, reject) => {
    let blob: number | undefined;
    let queue: number | undefined;
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within 30 s:\n${output}`)), 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      blob ??= Number(/Blob service is successfully listening at https?:\/\/[^:]+:(\d+)/.exec(output)?.[1]) || undefined;
      queue ??= Number(/Queue service is successfully listening at https?:\/\/[^:]+:(\d+)/.exec(output)?.[1]) || undefined;
      if (blob && queue) {
        clearTimeout(timer);
        resolve({ blob, queue });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`Azurite exited (code ${code}):\n${output}`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    blobPort: ports.blob,
    queuePort: ports.queue,
    connectionString: azuriteConnectionString(ports.blob, ports.queue),
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
