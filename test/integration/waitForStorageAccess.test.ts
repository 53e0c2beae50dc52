import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';

import { storageConnectionString, uniqueName } from '../support/env';

/**
 * The azd postprovision hook (infra/hooks/waitForStorageAccess.js) against real Azurite: a credential
 * Azurite refuses (403, as Azure answers while a role assignment is not yet effective) is retried
 * until access is granted, within the deadline; a missing container fails at once; a probe that
 * hangs is cut off; the deadline bounds the whole wait. Time is a fake clock, so no test sleeps.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hook = require('../../infra/hooks/waitForStorageAccess.js') as {
  waitForAccess: (
    probe: (signal: AbortSignal) => Promise<unknown>,
    options: {
      deadlineMs: number;
      intervalMs?: number;
      probeTimeoutMs?: number;
      now?: () => number;
      sleep?: (ms: number) => Promise<void>;
      log?: (l: string) => void;
    },
  ) => Promise<number>;
};

const cs = storageConnectionString();
const service = BlobServiceClient.fromConnectionString(cs);
const account = /AccountName=([^;]+)/.exec(cs)![1]!;
const key = /AccountKey=([^;]+)/.exec(cs)![1]!;
let container: string;

/** A fake clock: sleep() advances it instantly. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

/** Lists one blob, as the hook's probe does, with a given credential. */
function probeWith(credential: StorageSharedKeyCredential) {
  const client = new ContainerClient(`${service.url.replace(/\/?$/, '/')}${container}`, credential, { retryOptions: { maxTries: 1 } });
  return (abortSignal: AbortSignal) => client.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next();
}

beforeAll(async () => {
  container = uniqueName('deploy');
  await service.createContainer(container);
});

test('retries while storage answers 403, and returns once access is granted', async () => {
  const refused = probeWith(new StorageSharedKeyCredential(account, Buffer.from('not-the-key').toString('base64')));
  const granted = probeWith(new StorageSharedKeyCredential(account, key));
  const clock = fakeClock();
  let calls = 0;
  const statuses: number[] = [];
  const attempts = await hook.waitForAccess(
    async (signal) => {
      calls++;
      try {
        return await (calls <= 3 ? refused : granted)(signal);
      } catch (e) {
        statuses.push((e as { statusCode: number }).statusCode);
        throw e;
      }
    },
    { deadlineMs: 60_000, intervalMs: 10_000, now: clock.now, sleep: clock.sleep },
  );
  expect(statuses).toEqual([403, 403, 403]);
  expect(attempts).toBe(4);
  expect(clock.sleeps).toEqual([10_000, 10_000, 10_000]);
});

test('gives up at the deadline with the last error, never sleeping past it', async () => {
  const refused = probeWith(new StorageSharedKeyCredential(account, Buffer.from('not-the-key').toString('base64')));
  const clock = fakeClock();
  await expect(hook.waitForAccess(refused, { deadlineMs: 25_000, intervalMs: 10_000, now: clock.now, sleep: clock.sleep })).rejects.toThrow(
    /not effective after 4 attempts \(25 s\).*(403|not authorized|AuthorizationFailure|Server failed to authenticate)/is,
  );
  // 10 + 10 + 5 (the rest up to the deadline), then one last attempt at the deadline.
  expect(clock.sleeps).toEqual([10_000, 10_000, 5_000]);
});

test('fails at once for an error waiting does not cure (404: no such container)', async () => {
  const client = new ContainerClient(
    `${service.url.replace(/\/?$/, '/')}${uniqueName('missing')}`,
    new StorageSharedKeyCredential(account, key),
  );
  const clock = fakeClock();
  await expect(
    hook.waitForAccess((abortSignal) => client.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next(), {
      deadlineMs: 60_000,
      now: clock.now,
      sleep: clock.sleep,
    }),
  ).rejects.toMatchObject({ statusCode: 404 });
  expect(clock.sleeps).toEqual([]);
});

describe('a probe that never gets an answer', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers.
    server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('is aborted after the probe timeout and retried', async () => {
    const client = new ContainerClient(`http://127.0.0.1:${port}/${account}/c`, new StorageSharedKeyCredential(account, key), {
      retryOptions: { maxTries: 1 },
    });
    const clock = fakeClock();
    const started = Date.now();
    await expect(
      hook.waitForAccess((abortSignal) => client.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next(), {
        deadlineMs: 15_000,
        intervalMs: 10_000,
        probeTimeoutMs: 300,
        now: clock.now,
        sleep: clock.sleep,
      }),
    ).rejects.toThrow(/not effective after 3 attempts/);
    // Three probes of 300 ms each in real time, not a hang.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

test('as a script: says plainly that it does not wait when there is nothing to probe with', () => {
  const script = join(__dirname, '..', '..', 'infra', 'hooks', 'waitForStorageAccess.js');
  const env = { ...process.env, AZURE_PRINCIPAL_ID: '', AZURE_STORAGE_BLOB_ENDPOINT: '', AZURE_STORAGE_DEPLOYMENT_CONTAINER: '' };
  const r = spawnSync(process.execPath, [script], { env, encoding: 'utf8', timeout: 30_000 });
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/no AZURE_PRINCIPAL_ID.*not waiting/);
  const bad = spawnSync(process.execPath, [script], {
    env: {
      ...env,
      AZURE_PRINCIPAL_ID: 'x',
      AZURE_STORAGE_BLOB_ENDPOINT: 'https://st.blob.core.windows.net/',
      AZURE_STORAGE_DEPLOYMENT_CONTAINER: 'c',
      AZURE_STORAGE_ACCESS_TIMEOUT_SECONDS: 'soon',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/AZURE_STORAGE_ACCESS_TIMEOUT_SECONDS must be a number/);
});
