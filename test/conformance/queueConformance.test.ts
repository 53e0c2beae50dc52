import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type Azurite, startAzurite } from '../../dev/host/azurite';
import { type Difference, differences, isKnown, knownDeviations } from './compare';
import { dotnetAvailable, ensureFixtureBuilt, localOptions, type Observation, playGroup, webJobsOptions } from './runner';
import { groups, optionCases } from './scenarios';

/**
 * Differential test of the local host's queue trigger (dev/host/queueListener.ts) against the real
 * one: the WebJobs SDK with Microsoft.Azure.WebJobs.Extensions.Storage.Queues from NuGet
 * (dev/host/conformance), both on one Azurite. Each scenario group (scenarios.ts) is played
 * against both hosts at the same time, on separate queues, and the two observations must be
 * equal but for the known deviations of dev/host/deviations.json (explained in dev/host/README.md).
 *
 * Needs the .NET SDK: with CI=true a missing `dotnet` fails the run; elsewhere the suite is skipped
 * and says so.
 */
const ci = process.env.CI === 'true';
const hasDotnet = dotnetAvailable();
if (!hasDotnet && !ci) {
  console.warn('Queue conformance test did NOT run: `dotnet` was not found (install the .NET SDK to run it; CI requires it).');
}
const suite = hasDotnet || ci ? describe : describe.skip;

suite('queue trigger: local host against the WebJobs Storage Queues extension', () => {
  const observed = new Map<string, { webjobs: Observation; local: Observation }>();
  const known = knownDeviations();
  const seen: Difference[] = [];

  let azurite: Azurite | undefined;

  beforeAll(async () => {
    if (!hasDotnet) throw new Error('CI=true but `dotnet` is not on PATH: the queue conformance test needs the .NET SDK.');
    ensureFixtureBuilt();
    // An Azurite of its own, shared by both hosts, so that the other test files' traffic does not
    // slow the scenarios down; every group on both hosts at once (own queues), to keep the run short.
    azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, inMemory: true });
    // allSettled: a failed run must not leave the other hosts running after the test ends (each run
    // stops its own host, also on failure).
    const cs = azurite.connectionString;
    const runs = await Promise.allSettled(groups.flatMap((g) => [playGroup(g, 'webjobs', cs), playGroup(g, 'local', cs)]));
    const failed = runs.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    groups.forEach((g, i) => {
      const [webjobs, local] = [runs[2 * i], runs[2 * i + 1]] as PromiseFulfilledResult<Observation>[];
      observed.set(g.name, { webjobs: webjobs!.value, local: local!.value });
    });
    // For post-mortems: both observations of every group.
    writeFileSync(
      join(__dirname, '..', 'artifacts', 'conformance', 'observations.json'),
      JSON.stringify(Object.fromEntries(observed), null, 2),
    );
  }, 280_000);

  afterAll(async () => {
    await azurite?.stop();
  });

  test.each(groups.map((g) => g.name))('%s: the local host does what the extension does, but for the known deviations', (name) => {
    const o = observed.get(name)!;
    const diffs = differences(o.webjobs, o.local, name);
    seen.push(...diffs);
    const unknown = diffs.filter((d) => !isKnown(d, known));
    expect(unknown).toEqual([]);
  });

  test('the extension behaves as dev/host/README.md says (and so does the local host)', () => {
    for (const host of ['webjobs', 'local'] as const) {
      const delivery = observed.get('delivery')![host];
      const counts = (name: string) => delivery.scenarios[name]!.deliveries.map((d) => `${d.dequeueCount}:${d.outcome}`);
      expect(counts('success')).toEqual(['1:succeeded']);
      expect(counts('fail-then-succeed')).toEqual(['1:failed', '2:failed', '3:succeeded']);
      expect(delivery.scenarios['fail-then-succeed']!.deliveries.slice(1).every((d) => d.waitedVisibilityTimeout)).toBe(true);
      expect(counts('always-fail')).toEqual(['1:failed', '2:failed', '3:failed']);
      expect(delivery.scenarios['always-fail']!.poison).toEqual([expect.objectContaining({ textIsSent: true })]);
      expect(counts('over-max-dequeue-count')).toEqual([]);
      expect(delivery.scenarios['over-max-dequeue-count']!.poison).toEqual([expect.objectContaining({ textIsSent: true })]);
      expect(counts('not-base64')).toEqual([]);
      expect(delivery.scenarios['not-base64']!.poison).toEqual([expect.objectContaining({ textIsSent: true })]);
      expect(delivery.scenarios['over-size']!.sent).toMatch(/^refused 413/);
      expect(counts('max-size')).toEqual(['1:failed', '2:succeeded']);
      expect(counts('slower-than-visibility-timeout')).toEqual(['1:succeeded']);
      expect(delivery.scenarios['plain-text']!.deliveries[0]!.body).toBe('plain text, not JSON');
      for (const s of Object.values(delivery.scenarios)) {
        for (const d of s.deliveries)
          expect(d).toMatchObject({
            idIsSent: true,
            insertionTimeIsSent: true,
            expirationTimeIsSent: true,
            leaseMinutes: 10,
            popReceiptIsNew: true,
          });
      }
      expect(delivery.leftInQueue).toBe(0);
      expect(delivery.unmatchedPoison).toEqual([]);

      const none = observed.get('encoding-none')![host];
      expect(none.scenarios['raw-text']!.deliveries.map((d) => d.body)).toEqual(['this is not base64!']);
      expect(none.scenarios['raw-base64']!.deliveries.map((d) => d.body)).toEqual([
        Buffer.from('{"tag":"still-encoded"}').toString('base64'),
      ]);
      expect(none.scenarios['raw-json-poison']!.deliveries.map((d) => d.dequeueCount)).toEqual([1, 2]);
      expect(none.scenarios['raw-json-poison']!.poison).toEqual([{ textIsSent: true, text: '{"tag":"raw-poison","fail":99}' }]);

      const concurrency = observed.get('concurrency')![host];
      expect(concurrency.maxConcurrency).toBe(2 + 1);
      expect(Object.values(concurrency.scenarios).map((s) => s.deliveries.length)).toEqual(Array(8).fill(1));

      const stop = observed.get('graceful-stop')![host];
      expect(stop.stop).toMatchObject({
        functionFinished: true,
        outcome: 'succeeded',
        exitedAfterFunctionEnded: true,
        exitCode: 0,
        messageDeleted: true,
      });
    }
  });

  test('host.json: the local host reads extensions.queues as the extension does (values, defaults, refusals)', () => {
    const sections = optionCases.map((c) => c.queues);
    const webjobs = Object.fromEntries(webJobsOptions(sections).map((o, i) => [optionCases[i]!.name, o]));
    const local = Object.fromEntries(localOptions(sections).map((o, i) => [optionCases[i]!.name, o]));
    // One leaf per section: a refusal on one side is one difference, not one per option.
    const diffs = differences(webjobs, local, 'options', 1);
    seen.push(...diffs);
    expect(diffs.filter((d) => !isKnown(d, known))).toEqual([]);
    // What the extension does, as dev/host/README.md says.
    expect(webjobs['batchSize 33']).toEqual({ accepted: false });
    expect(webjobs['visibilityTimeout "10"']).toMatchObject({ options: { visibilityTimeoutMs: 10 * 86_400_000 } });
  });

  test('every known deviation in dev/host/deviations.json still shows (the list cannot go stale)', () => {
    const stale = known.filter((k) => !seen.some((d) => isKnown(d, [k])));
    expect(stale).toEqual([]);
  });
});
