import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readHostJson } from '../../dev/host/hostJson';
import { applyLocalSettings } from '../../dev/host/settings';
import { loadConfig } from '../../src/core/config';

/**
 * The app's own files as the local host reads them: host.json and local.settings.example.json. The
 * host's parts themselves are tested in its package (dev/host/test/parts.test.ts).
 */
const repoRoot = join(__dirname, '..', '..');
const tempDirs: string[] = [];

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('readHostJson', () => {
  test("the repo's real host.json", () => {
    type Raw = {
      functionTimeout: string;
      extensions: { http: { routePrefix: string }; queues: Record<string, string | number> };
    };
    const raw = JSON.parse(readFileSync(join(repoRoot, 'host.json'), 'utf8')) as Raw;
    const q = raw.extensions.queues;
    /** hh:mm:ss → ms, for the plain values the repo uses. */
    const hms = (v: unknown) => {
      const [h = NaN, m = NaN, s = NaN] = String(v).split(':').map(Number);
      return ((h * 60 + m) * 60 + s) * 1000;
    };
    const host = readHostJson(repoRoot);
    expect(host.routePrefix).toBe(raw.extensions.http.routePrefix);
    expect(host.queues).toEqual({
      batchSize: q.batchSize,
      newBatchThreshold: q.newBatchThreshold,
      maxDequeueCount: q.maxDequeueCount,
      visibilityTimeoutMs: hms(q.visibilityTimeout),
      maxPollingIntervalMs: hms(q.maxPollingInterval),
      messageEncoding: String(q.messageEncoding).toLowerCase(),
    });
    expect(host.functionTimeoutMs).toBe(hms(raw.functionTimeout));
    // At the time of writing: batchSize 8, newBatchThreshold 4, visibility 10 s, polling 2 s, timeout 30 min.
    expect(host.queues.visibilityTimeoutMs).toBeGreaterThan(0);
    expect(Number.isFinite(host.functionTimeoutMs)).toBe(true);
  });
});

describe('applyLocalSettings', () => {
  test("the repo's example settings load into a valid configuration with the documented defaults", () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-settings-'));
    tempDirs.push(dir);
    copyFileSync(join(repoRoot, 'local.settings.example.json'), join(dir, 'local.settings.example.json'));
    const env: NodeJS.ProcessEnv = {};
    applyLocalSettings(dir, env);
    expect(env.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    const config = loadConfig(env);
    expect(config.storage).toEqual({ kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' });
    expect(config).toMatchObject({ queueName: 'jobs', maxInputBytes: 104_857_600, retryAfterSeconds: 1, maxRetryAfterSeconds: 30 });
    // JOBS_PUBLIC_BASE_URL is "" in the example: treated as unset.
    expect(config).not.toHaveProperty('publicBaseUrl');
  });
});
