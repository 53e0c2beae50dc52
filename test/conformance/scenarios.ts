import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The scenarios of the queue trigger conformance test (queueConformance.test.ts), played against the
 * real queue trigger (the WebJobs SDK's Storage Queues extension, dev/host/conformance) and against
 * the local host (dev/host/queueListener.ts), each on its own queues of the same Azurite.
 *
 * A group is one host run: one queue, one host.json (the app's `extensions.queues` with the group's
 * overrides, written once and read by both hosts), its messages sent before the host starts. The
 * fixture function of both hosts reads directives from a JSON body: `tag`, `fail` (throw while the
 * dequeue count is <= fail), `sleepMs` (sleep before finishing).
 */

/** What one scenario enqueues: `body` is base64-encoded as the app's senders do; `raw` is sent as is. */
export type Send = { body: string } | { raw: string };

/** One message and what it is about. */
export interface Scenario {
  name: string;
  about: string;
  send: Send;
  /**
   * Received (and made visible again) this many times before the host starts, as by a host that
   * crashed while running it: the host then sees a dequeue count of this + 1.
   */
  dequeuedBefore?: number;
}

/** One host run. */
export interface ScenarioGroup {
  name: string;
  /** Overrides of host.json `extensions.queues` (applied to both hosts). */
  queues: Record<string, string | number>;
  scenarios: Scenario[];
  /**
   * Stop the host (SIGTERM, a graceful stop) once the function of this scenario has started, and
   * observe how each host ends it.
   */
  stopWhileRunning?: string;
  /** Observe the most functions running at once (only where the scenarios make it defined). */
  measureConcurrency?: boolean;
}

const json = (v: unknown) => ({ body: JSON.stringify(v) });

/** The largest message the queue service accepts is 64 KiB of message text (Azure Storage Queues limits). */
export const maxMessageTextLength = 64 * 1024;

/** A JSON body whose base64 text is exactly `textLength` characters (a multiple of 4). */
function bodyWithBase64Length(directives: Record<string, unknown>, textLength: number): { body: string } {
  const bytes = (textLength / 4) * 3;
  const head = JSON.stringify({ ...directives, pad: '' });
  return { body: JSON.stringify({ ...directives, pad: 'x'.repeat(bytes - head.length) }) };
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export const groups: ScenarioGroup[] = [
  {
    name: 'delivery',
    // A 1-second retry delay and a 0.5-second polling cap keep the retries within seconds.
    queues: { maxDequeueCount: 3, visibilityTimeout: '00:00:01', maxPollingInterval: '00:00:00.500' },
    scenarios: [
      { name: 'success', about: 'a message that succeeds is delivered once and deleted', send: json({ tag: 'success' }) },
      {
        name: 'over-max-dequeue-count',
        about: 'received 3 times elsewhere already (maxDequeueCount 3): poisoned without running',
        send: json({ tag: 'crashed-thrice' }),
        dequeuedBefore: 3,
      },
      { name: 'plain-text', about: 'a body that is not JSON arrives as a string', send: { body: 'plain text, not JSON' } },
      {
        name: 'fail-then-succeed',
        about: 'fails twice, succeeds on the third delivery; retried after visibilityTimeout',
        send: json({ tag: 'retry', fail: 2 }),
      },
      {
        name: 'always-fail',
        about: 'fails every time: poisoned after maxDequeueCount deliveries, same message text in <queue>-poison',
        send: json({ tag: 'poison', fail: 99 }),
      },
      {
        name: 'not-base64',
        about: 'messageEncoding base64, body not base64: never delivered, moved to <queue>-poison as is',
        send: { raw: 'this is not base64!' },
      },
      {
        name: 'base64-unpadded',
        about: 'base64 without its padding: not valid for .NET Convert.FromBase64String',
        send: { raw: b64('{"tag":"no-padding"}').replace(/=+$/, '') },
      },
      {
        name: 'base64-whitespace',
        about: 'base64 broken by a space and a line feed',
        send: {
          raw: (() => {
            const t = b64('{"tag":"whitespace"}');
            return `${t.slice(0, 8)} ${t.slice(8, 16)}\n${t.slice(16)}`;
          })(),
        },
      },
      {
        name: 'max-size',
        about: 'a body whose base64 text is exactly the 64 KiB limit; fails once so that it is also released',
        send: bodyWithBase64Length({ tag: 'max-size', fail: 1 }, maxMessageTextLength),
      },
      {
        name: 'over-size',
        about: 'a body one base64 quantum over the limit: the queue service refuses it, no host sees it',
        send: bodyWithBase64Length({ tag: 'over-size' }, maxMessageTextLength + 4),
      },
      {
        name: 'slower-than-visibility-timeout',
        about: 'runs 2.5 s with visibilityTimeout 1 s: the lease keeps it invisible, delivered once',
        send: json({ tag: 'slow', sleepMs: 2500 }),
      },
    ],
  },
  {
    name: 'concurrency',
    // At most batchSize + newBatchThreshold run at once: the extension fetches a new batch once no
    // more than newBatchThreshold are running.
    queues: { batchSize: 2, newBatchThreshold: 1, maxPollingInterval: '00:00:00.500' },
    measureConcurrency: true,
    // Short and long functions alternate, so that one of a batch ends while the other still runs:
    // the next batch is then fetched with one still running (2 + 1 at once).
    scenarios: Array.from({ length: 8 }, (_, i) => ({
      name: `batch-${i}`,
      about: `sleeps ${i % 2 ? 2000 : 300} ms`,
      send: json({ tag: `batch-${i}`, sleepMs: i % 2 ? 2000 : 300 }),
    })),
  },
  {
    name: 'encoding-none',
    // messageEncoding none: the message text is the body, with no decoding.
    queues: { messageEncoding: 'none', maxDequeueCount: 2, visibilityTimeout: '00:00:01', maxPollingInterval: '00:00:00.500' },
    scenarios: [
      { name: 'raw-text', about: 'text that is not base64 arrives as it is', send: { raw: 'this is not base64!' } },
      { name: 'raw-base64', about: 'base64 text arrives still encoded', send: { raw: b64('{"tag":"still-encoded"}') } },
      {
        name: 'raw-json-poison',
        about: 'a raw JSON body that always fails: poisoned with the same text',
        send: { raw: '{"tag":"raw-poison","fail":99}' },
      },
    ],
  },
  {
    name: 'graceful-stop',
    queues: { visibilityTimeout: '00:00:01', maxPollingInterval: '00:00:00.500' },
    scenarios: [
      { name: 'running-at-stop', about: 'still running (3 s) when the host is asked to stop', send: json({ tag: 'stop', sleepMs: 3000 }) },
    ],
    stopWhileRunning: 'running-at-stop',
  },
];

/**
 * host.json `extensions.queues` sections whose reading is compared: the options each host ends up
 * with, or that it refuses the section (then the host does not start). Includes the app's own
 * section, the defaults, the range limits and the .NET TimeSpan forms.
 */
export const optionCases: { name: string; queues: Record<string, unknown> }[] = [
  { name: 'defaults', queues: {} },
  {
    name: 'the app',
    queues: (
      JSON.parse(readFileSync(join(__dirname, '..', '..', 'host.json'), 'utf8')) as { extensions: { queues: Record<string, unknown> } }
    ).extensions.queues,
  },
  { name: 'batchSize 32', queues: { batchSize: 32 } },
  { name: 'batchSize 33', queues: { batchSize: 33 } },
  { name: 'batchSize 0', queues: { batchSize: 0 } },
  { name: 'batchSize 5 (odd)', queues: { batchSize: 5 } },
  { name: 'batchSize as a string', queues: { batchSize: '4' } },
  { name: 'newBatchThreshold 0', queues: { newBatchThreshold: 0 } },
  { name: 'newBatchThreshold -1', queues: { newBatchThreshold: -1 } },
  { name: 'maxDequeueCount 1', queues: { maxDequeueCount: 1 } },
  { name: 'maxDequeueCount 0', queues: { maxDequeueCount: 0 } },
  { name: 'maxPollingInterval 100 ms', queues: { maxPollingInterval: '00:00:00.100' } },
  { name: 'maxPollingInterval 50 ms', queues: { maxPollingInterval: '00:00:00.050' } },
  ...[
    '10',
    '00:10',
    '1.02:03',
    '1:02:03:04',
    '0:0:1',
    ' 00:00:02 ',
    '00:00:01.1234567',
    '-00:00:01',
    '',
    'abc',
    '00:00:60',
    '00:00:10.12345678',
    '+00:00:01',
    '00:00:00,5',
    '24:00:00',
    '24:30:00',
  ].map((v) => ({
    name: `visibilityTimeout ${JSON.stringify(v)}`,
    queues: { visibilityTimeout: v },
  })),
  { name: 'messageEncoding None', queues: { messageEncoding: 'None' } },
  { name: 'messageEncoding BASE64', queues: { messageEncoding: 'BASE64' } },
  { name: 'messageEncoding utf8', queues: { messageEncoding: 'utf8' } },
];
