import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

import { parseTimeSpan, readHostJson } from '../../dev/host/hostJson';
import { uniqueName } from '../support/env';
import { startTestHost } from '../support/localHost';
import { waitFor } from '../support/waitFor';
import type { ScenarioGroup } from './scenarios';

/**
 * Plays a scenario group (scenarios.ts) against one host and reduces what happened to an
 * {@link Observation}: plain JSON that holds only what the real queue trigger defines (no ids,
 * no absolute times), so that the observations of two hosts can be compared key by key.
 */

const repo = join(__dirname, '..', '..');
export const fixtureDir = join(repo, 'dev', 'host', 'conformance');
export const fixtureDll = join(fixtureDir, 'bin', 'Release', 'net10.0', 'QueueConformance.dll');
const artifacts = join(repo, 'test', 'artifacts', 'conformance');

/** `webjobs`: the .NET fixture (the real extension); `local`: dev/host/dist/cli.js with the Node.js fixture app. */
export type HostKind = 'webjobs' | 'local';

/** No first-run banner, no telemetry (only 127.0.0.1 is reachable from tests). */
const dotnetEnv = { DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' };

/** True when the `dotnet` CLI runs. */
export function dotnetAvailable(): boolean {
  return spawnSync('dotnet', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the .NET fixture (`dotnet build -c Release`, as `npm run conformance:build`; restores from
 * NuGet the first time) unless its DLL is newer than every source file of the fixture.
 * @returns whether it built
 * @throws with the build output when the build fails
 */
export function ensureFixtureBuilt(): boolean {
  const sources = readdirSync(fixtureDir)
    .filter((f) => /\.(cs|csproj)$/.test(f))
    .map((f) => statSync(join(fixtureDir, f)).mtimeMs);
  if (existsSync(fixtureDll) && statSync(fixtureDll).mtimeMs > Math.max(...sources)) return false;
  const r = spawnSync('dotnet', ['build', join(fixtureDir, 'QueueConformance.csproj'), '-c', 'Release', '--nologo', '-v', 'q'], {
    encoding: 'utf8',
    timeout: 280_000,
    env: { ...process.env, ...dotnetEnv },
  });
  if (r.status !== 0)
    throw new Error(
      `dotnet build of the conformance fixture failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`,
    );
  return true;
}

/** One line of a fixture's record file (both fixtures write the same fields). */
interface RecordLine {
  event: 'ready' | 'start' | 'end' | 'stopped';
  at: number;
  tag?: string | null;
  id?: string;
  dequeueCount?: number;
  insertionTime?: number | null;
  expirationTime?: number | null;
  nextVisibleTime?: number | null;
  popReceipt?: string | null;
  body?: string;
  outcome?: 'succeeded' | 'failed';
  cancellationRequested?: boolean | null;
}

/** A value that compares equal across hosts: short texts as they are, long ones by hash and length. */
const text = (s: string) =>
  s.length <= 120 ? s : `sha256:${createHash('sha256').update(s).digest('hex').slice(0, 16)} (${s.length} chars)`;

/** What one delivery looked like to the function. */
export interface DeliveryObservation {
  dequeueCount: number | null;
  outcome: string | null;
  body: string;
  /** Trigger metadata against what the sender got back from the service. */
  idIsSent: boolean;
  insertionTimeIsSent: boolean;
  expirationTimeIsSent: boolean;
  /** nextVisibleTime minus the start of the delivery, in whole minutes: the lease taken on receipt. */
  leaseMinutes: number | null;
  /** The pop receipt differs from the previous delivery's. */
  popReceiptIsNew: boolean;
  /** For a redelivery: it started no earlier than visibilityTimeout after the previous failure ended. */
  waitedVisibilityTimeout?: boolean;
}

/** What happened to one scenario's message. */
export interface ScenarioObservation {
  sent: string;
  deliveries: DeliveryObservation[];
  /** Messages of `<queue>-poison` that came from this message. */
  poison: { textIsSent: boolean; text: string }[];
}

/** What happened in one group run. */
export interface Observation {
  scenarios: Record<string, ScenarioObservation>;
  /** Messages left in the queue after the run (visible or not). */
  leftInQueue: number;
  /** Poison messages that match no scenario. */
  unmatchedPoison: string[];
  /** Most functions running at the same time (from start and end records), for a group with `measureConcurrency`. */
  maxConcurrency?: number;
  /** Only for a group with `stopWhileRunning`. */
  stop?: {
    functionFinished: boolean;
    outcome: string | null;
    /** Whether the function's cancellation token was signalled (null: the function has none). */
    cancellationRequested: boolean | null;
    exitedAfterFunctionEnded: boolean;
    exitCode: number | null;
    messageDeleted: boolean;
  };
}

/** The effective host.json of a group: the app's, with the group's `extensions.queues` overrides. */
export function groupHostJson(group: ScenarioGroup): Record<string, unknown> {
  const app = JSON.parse(readFileSync(join(repo, 'host.json'), 'utf8')) as { extensions?: { queues?: Record<string, unknown> } };
  return { version: '2.0', extensions: { queues: { ...app.extensions?.queues, ...group.queues } } };
}

/**
 * The complete lines of a record file (JSON Lines). The last line may still be being written by the
 * host under test, so only lines ending in `\n` are read.
 */
function readRecords(file: string): RecordLine[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordLine);
}

interface StartedHost {
  stop(): Promise<number | null>;
  output(): string;
}

async function startWebJobs(env: Record<string, string>, record: string): Promise<StartedHost> {
  const child: ChildProcess = spawn('dotnet', [fixtureDll], {
    env: { ...process.env, ...dotnetEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  try {
    await waitFor(
      'the WebJobs host to start',
      () =>
        readRecords(record).some((r) => r.event === 'ready')
          ? true
          : exitCode !== undefined
            ? Promise.reject(new Error(`WebJobs host exited (${exitCode}):\n${out}`))
            : undefined,
      60_000,
      100,
      () => out,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    output: () => out,
    async stop() {
      if (exitCode === undefined) child.kill('SIGTERM');
      // Bounded: the WebJobs host waits for running functions (the scenarios' longest is 3 s); past
      // 45 s it is killed, and the observation shows exit code null.
      const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

async function startLocal(appDir: string, env: Record<string, string>): Promise<StartedHost> {
  mkdirSync(join(appDir, 'functions'), { recursive: true });
  const fixture = join(repo, 'test', 'fixtures', 'conformance-app');
  copyFileSync(join(fixture, 'package.json'), join(appDir, 'package.json'));
  copyFileSync(join(fixture, 'functions', 'recorder.js'), join(appDir, 'functions', 'recorder.js'));
  const host = await startTestHost(env, appDir);
  return {
    output: () => host.output(),
    async stop() {
      await host.stop('SIGTERM');
      return host.process.exitCode;
    },
  };
}

async function poisonTexts(poison: QueueClient): Promise<string[]> {
  if (!(await poison.exists())) return [];
  const texts: string[] = [];
  // Peek sees at most 32; the groups poison fewer than that.
  const peeked = await poison.peekMessages({ numberOfMessages: 32 });
  for (const m of peeked.peekedMessageItems) texts.push(m.messageText);
  return texts;
}

/**
 * Plays `group` against one host, on the storage of `connectionString`: creates a fresh queue, sends the group's messages, starts the
 * host with the group's host.json, waits until every message is settled (queue empty, every started
 * delivery ended) or, for `stopWhileRunning`, stops the host while that function runs; then stops
 * the host and reads its records and the poison queue.
 * @throws when the host does not start, or the group does not settle within `timeoutMs`
 */
export async function playGroup(group: ScenarioGroup, kind: HostKind, connectionString: string, timeoutMs = 90_000): Promise<Observation> {
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const queueName = uniqueName(`cf-${kind === 'webjobs' ? 'wj' : 'lh'}-${group.name}`).slice(0, 63);
  const queue = service.getQueueClient(queueName);
  const poison = service.getQueueClient(`${queueName}-poison`);
  await queue.create();
  const dir = join(artifacts, `${group.name}-${kind}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const hostJson = groupHostJson(group);
  writeFileSync(join(dir, 'host.json'), JSON.stringify(hostJson, null, 2));
  const record = join(dir, 'records.jsonl');
  const queues = (hostJson.extensions as { queues: Record<string, unknown> }).queues;
  const visibilityTimeoutMs = parseTimeSpan(typeof queues.visibilityTimeout === 'string' ? queues.visibilityTimeout : '00:00:00');

  // Send first, so that each host finds the whole group in the queue at its first poll.
  const sent = new Map<string, { name: string; text: string; insertedOn: number; expiresOn: number }>();
  const sendResult: Record<string, string> = {};
  // Scenarios received before the host starts go first, each alone in the queue, so that a receive
  // of one message gets that one.
  const ordered = [...group.scenarios.filter((s) => s.dequeuedBefore), ...group.scenarios.filter((s) => !s.dequeuedBefore)];
  for (const s of ordered) {
    const messageText = 'raw' in s.send ? s.send.raw : Buffer.from(s.send.body, 'utf8').toString('base64');
    try {
      const r = await queue.sendMessage(messageText);
      sent.set(r.messageId, { name: s.name, text: messageText, insertedOn: r.insertedOn.getTime(), expiresOn: r.expiresOn.getTime() });
      sendResult[s.name] = 'accepted';
      for (let i = 0; i < (s.dequeuedBefore ?? 0); i++) {
        const [m] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 })).receivedMessageItems;
        if (m?.messageId !== r.messageId) throw new Error(`Receiving '${s.name}' before the host starts got ${m?.messageId ?? 'nothing'}`);
        await queue.updateMessage(m.messageId, m.popReceipt, undefined, 0);
      }
    } catch (err) {
      const e = err as { statusCode?: number; code?: string };
      sendResult[s.name] = `refused ${e.statusCode ?? '?'} ${e.code ?? ''}`.trim();
    }
  }

  const env = {
    AzureWebJobsStorage: connectionString,
    CONFORMANCE_QUEUE: queueName,
    CONFORMANCE_RECORD: record,
    CONFORMANCE_HOST_JSON: join(dir, 'host.json'),
  };
  const host = kind === 'webjobs' ? await startWebJobs(env, record) : await startLocal(dir, env);
  const diagnostics = () =>
    `${kind} host output:\n${host.output().slice(-4000)}\nrecords:\n${readRecords(record)
      .map((r) => JSON.stringify({ ...r, body: r.body && text(r.body) }))
      .join('\n')}`;
  try {
    if (group.stopWhileRunning) {
      const target = [...sent.entries()].find(([, v]) => v.name === group.stopWhileRunning)![0];
      await waitFor(
        'the function to start',
        () => (readRecords(record).some((r) => r.event === 'start' && r.id === target) ? true : undefined),
        timeoutMs,
        100,
        diagnostics,
      );
    } else {
      await waitFor(
        'every message to settle',
        async () => {
          const recs = readRecords(record);
          const open = recs.filter((r) => r.event === 'start').length - recs.filter((r) => r.event === 'end').length;
          return open === 0 && (await queue.getProperties()).approximateMessagesCount === 0 ? true : undefined;
        },
        timeoutMs,
        100,
        diagnostics,
      );
      // A little longer, to catch a redelivery or a late poison copy.
      await new Promise((r) => setTimeout(r, 1000));
    }
  } catch (err) {
    await host.stop();
    throw err;
  }
  const stoppedAt = Date.now();
  const exitCode = await host.stop();
  const exitedAt = Date.now();

  const records = readRecords(record).filter((r) => r.event === 'start' || r.event === 'end');
  const scenarios: Record<string, ScenarioObservation> = {};
  for (const s of group.scenarios) scenarios[s.name] = { sent: sendResult[s.name]!, deliveries: [], poison: [] };
  // Deliveries of one message are ordered by dequeue count; across messages no order is defined.
  const starts = records.filter((r) => r.event === 'start').sort((a, b) => (a.dequeueCount ?? 0) - (b.dequeueCount ?? 0) || a.at - b.at);
  const unknown: string[] = [];
  for (const st of starts) {
    const msg = st.id ? sent.get(st.id) : undefined;
    if (!msg) {
      unknown.push(JSON.stringify(st));
      continue;
    }
    const obs = scenarios[msg.name]!;
    const end = records.find((r) => r.event === 'end' && r.id === st.id && r.dequeueCount === st.dequeueCount);
    const prev =
      obs.deliveries.length > 0 ? starts.filter((r) => r.id === st.id && (r.dequeueCount ?? 0) < (st.dequeueCount ?? 0)).at(-1) : undefined;
    const prevEnd = prev && records.find((r) => r.event === 'end' && r.id === prev.id && r.dequeueCount === prev.dequeueCount);
    obs.deliveries.push({
      dequeueCount: st.dequeueCount ?? null,
      outcome: end?.outcome ?? null,
      body: text(st.body ?? ''),
      idIsSent: st.id !== undefined && sent.has(st.id),
      insertionTimeIsSent: st.insertionTime === msg.insertedOn,
      expirationTimeIsSent: st.expirationTime === msg.expiresOn,
      leaseMinutes: st.nextVisibleTime ? Math.round((st.nextVisibleTime - st.at) / 60_000) : null,
      popReceiptIsNew: !!st.popReceipt && st.popReceipt !== prev?.popReceipt,
      // 200 ms of slack for the two clocks in play (service timestamps vs. process clock).
      ...(prevEnd ? { waitedVisibilityTimeout: st.at - prevEnd.at >= visibilityTimeoutMs - 200 } : {}),
    });
  }
  if (unknown.length > 0) throw new Error(`Deliveries of messages that were not sent:\n${unknown.join('\n')}`);

  const unmatchedPoison: string[] = [];
  for (const t of await poisonTexts(poison)) {
    // A poison message is matched to its scenario by its text, or else by its decoded content.
    const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');
    const match = [...sent.values()].find((v) => v.text === t) ?? [...sent.values()].find((v) => decode(v.text) === decode(t));
    if (match) scenarios[match.name]!.poison.push({ textIsSent: match.text === t, text: text(t) });
    else unmatchedPoison.push(text(t));
  }

  // Most functions running at once: sweep over start (+1) and end (-1) events.
  let running = 0;
  let maxConcurrency = 0;
  for (const r of [...records].sort((a, b) => a.at - b.at || (a.event === 'end' ? -1 : 1))) {
    running += r.event === 'start' ? 1 : -1;
    maxConcurrency = Math.max(maxConcurrency, running);
  }

  const observation: Observation = {
    scenarios,
    leftInQueue: (await queue.getProperties()).approximateMessagesCount ?? -1,
    unmatchedPoison,
    ...(group.measureConcurrency ? { maxConcurrency } : {}),
  };
  if (group.stopWhileRunning) {
    const target = [...sent.entries()].find(([, v]) => v.name === group.stopWhileRunning)![0];
    const end = records.find((r) => r.event === 'end' && r.id === target);
    observation.stop = {
      functionFinished: end !== undefined,
      outcome: end?.outcome ?? null,
      cancellationRequested: end?.cancellationRequested ?? null,
      exitedAfterFunctionEnded: end !== undefined && end.at <= exitedAt && end.at >= stoppedAt,
      exitCode,
      messageDeleted: observation.leftInQueue === 0,
    };
  }
  return observation;
}

/** The queue options a host reads from one `extensions.queues` section (durations in whole ms), or that it refuses it. */
export type OptionsObservation = { accepted: false } | { accepted: true; options: Record<string, string | number> };

/**
 * Reads each section as the extension does: the .NET fixture binds it to `QueuesOptions`
 * (`CONFORMANCE_OPTIONS_CASES`), with `DOTNET_PROCESSOR_COUNT` set to Node's
 * `availableParallelism()` and no `WEBSITE_SKU`, so that both hosts count the same processors.
 * @returns one observation per section, in order
 */
export function webJobsOptions(sections: Record<string, unknown>[]): OptionsObservation[] {
  mkdirSync(artifacts, { recursive: true });
  const casesFile = join(artifacts, 'options-cases.json');
  const record = join(artifacts, 'options-webjobs.jsonl');
  writeFileSync(casesFile, JSON.stringify(sections));
  rmSync(record, { force: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...dotnetEnv,
    CONFORMANCE_OPTIONS_CASES: casesFile,
    CONFORMANCE_RECORD: record,
    DOTNET_PROCESSOR_COUNT: String(availableParallelism()),
  };
  delete env.WEBSITE_SKU;
  const r = spawnSync('dotnet', [fixtureDll], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`The options check of the .NET fixture failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  const lines = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { refused?: string; options?: Record<string, string | number> });
  return lines.map((l) => (l.options ? { accepted: true, options: roundMs(l.options) } : { accepted: false }));
}

/** The local host's reading of the same sections (`readHostJson`, without `WEBSITE_SKU`). */
export function localOptions(sections: Record<string, unknown>[]): OptionsObservation[] {
  const dir = join(artifacts, 'options-local');
  mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WEBSITE_SKU;
  return sections.map((queues) => {
    writeFileSync(join(dir, 'host.json'), JSON.stringify({ version: '2.0', extensions: { queues } }));
    try {
      return { accepted: true, options: roundMs({ ...readHostJson(dir, env).queues }) };
    } catch {
      return { accepted: false };
    }
  });
}

/** Durations to whole milliseconds: .NET keeps ticks (100 ns), the local host whole ms; the queue service takes whole seconds. */
function roundMs(o: Record<string, unknown>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' && k.endsWith('Ms') ? Math.round(v) : (v as string | number)]),
  );
}
