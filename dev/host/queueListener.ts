import { inspect } from 'node:util';

import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';

import type { CoreApi, Registration, RpcTypedData } from './coreApi';
import type { QueueOptions } from './hostJson';

/** Lease taken on each received message, renewed at half-time while the function runs (ms). */
export const defaultLeaseMs = 10 * 60 * 1000;

/** Options of one queue listener. */
export interface QueueListenerOptions {
  core: CoreApi;
  reg: Registration;
  queue: QueueClient;
  poisonQueue: QueueClient;
  options: QueueOptions;
  /** Visibility lease of a received message (default 10 minutes, as the extension). */
  leaseMs?: number;
  log: (message: string) => void;
}

/** A running listener. */
export interface QueueListener {
  /** Stops polling and waits for the running invocations to finish. */
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** The white space .NET's `Convert.FromBase64String` skips anywhere in its input. */
const base64WhiteSpace = /[ \t\r\n]/g;

/**
 * Decodes a queue message's text as the extension does with `messageEncoding: base64`: Azure.Storage.Queues
 * (`QueueMessageCodec`) calls .NET `Convert.FromBase64String`, which skips space, tab, CR and LF,
 * requires the padding (a length that is a multiple of 4) and refuses any other character; the bytes
 * are read as UTF-8 (invalid sequences become U+FFFD). Checked against the real extension by
 * test/conformance (scenarios `not-base64`, `base64-unpadded`, `base64-whitespace`).
 * @returns the decoded text, or `undefined` when the text is not valid base64 (the message is then poisoned)
 */
export function decodeBase64MessageText(text: string): string | undefined {
  const compact = text.replace(base64WhiteSpace, '');
  if (!base64Pattern.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

/**
 * Polls a queue for a queue-triggered function as the Storage Queues extension does
 * (azure-sdk-for-net `QueueListener`/`QueueProcessor`):
 * - receives up to `batchSize` messages with a 10-minute lease, and fetches the next batch once no
 *   more than `newBatchThreshold` are still running;
 * - polls again right after a hit, else backs off exponentially with jitter up to `maxPollingInterval`;
 * - decodes base64 as .NET does (`messageEncoding: base64`, {@link decodeBase64MessageText}); an
 *   undecodable message goes straight to `<queue>-poison`, unchanged;
 * - passes trigger metadata (`DequeueCount`, `Id`, `InsertionTime`, `ExpirationTime`,
 *   `NextVisibleTime`, `PopReceipt`), renews the lease at half-time while the function runs;
 * - deletes on success; on failure releases the message with `visibilityTimeout`, and once
 *   `dequeueCount >= maxDequeueCount` copies it to `<queue>-poison` then deletes it; a message
 *   already over `maxDequeueCount` when received is poisoned without running the function.
 */
export function startQueueListener(opts: QueueListenerOptions): QueueListener {
  const { options: o, queue, poisonQueue, log } = opts;
  const leaseMs = opts.leaseMs ?? defaultLeaseMs;
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const name = opts.reg.metadata.name;

  async function poison(msg: DequeuedMessageItem, popReceipt: string, reason: string): Promise<void> {
    await poisonQueue.createIfNotExists();
    await poisonQueue.sendMessage(msg.messageText);
    await queue.deleteMessage(msg.messageId, popReceipt);
    log(`Message ${msg.messageId} moved to ${poisonQueue.name} (${reason}).`);
  }

  async function handleMessage(msg: DequeuedMessageItem): Promise<void> {
    let popReceipt = msg.popReceipt;
    let nextVisibleOn = msg.nextVisibleOn;
    if (msg.dequeueCount > o.maxDequeueCount) return poison(msg, popReceipt, `dequeue count ${msg.dequeueCount} over ${o.maxDequeueCount}`);
    let text = msg.messageText;
    if (o.messageEncoding === 'base64') {
      const decoded = decodeBase64MessageText(text);
      if (decoded === undefined) return poison(msg, popReceipt, 'body is not valid base64');
      text = decoded;
    }
    // The renewal in flight, if any. Each renewal gives the message a new pop receipt, so the delete
    // or release after the function waits for it (as the extension stops its visibility timer before
    // completing the message): with the old receipt it would fail, and the message come back.
    let renewal: Promise<void> | undefined;
    const renew = setInterval(() => {
      if (renewal) return;
      renewal = queue
        .updateMessage(msg.messageId, popReceipt, undefined, Math.ceil(leaseMs / 1000))
        .then((r) => {
          popReceipt = r.popReceipt ?? popReceipt;
          nextVisibleOn = r.nextVisibleOn ?? nextVisibleOn;
        })
        .catch((err: unknown) => log(`Lease renewal of ${msg.messageId} failed: ${(err as Error).message}`))
        .finally(() => {
          renewal = undefined;
        });
    }, leaseMs / 2);
    const md = (v: unknown): RpcTypedData => ({ json: JSON.stringify(v) });
    const triggerMetadata: Record<string, RpcTypedData> = {
      DequeueCount: md(msg.dequeueCount),
      Id: md(msg.messageId),
      InsertionTime: md(msg.insertedOn.toISOString()),
      ExpirationTime: md(msg.expiresOn.toISOString()),
      NextVisibleTime: md(nextVisibleOn.toISOString()),
      PopReceipt: md(popReceipt),
    };
    let failed: unknown;
    try {
      await opts.core.invokeWithId(
        opts.reg,
        crypto.randomUUID(),
        [{ name: opts.reg.triggerName, data: { string: text } }],
        triggerMetadata,
      );
    } catch (err) {
      failed = err ?? new Error('Function failed');
    } finally {
      clearInterval(renew);
      await renewal;
    }
    if (failed === undefined) {
      await queue.deleteMessage(msg.messageId, popReceipt);
      return;
    }
    log(
      `Executed '${name}' (Failed, delivery ${msg.dequeueCount}/${o.maxDequeueCount}): ${failed instanceof Error ? failed.message : inspect(failed)}`,
    );
    if (msg.dequeueCount >= o.maxDequeueCount) return poison(msg, popReceipt, `failed ${msg.dequeueCount} times`);
    await queue.updateMessage(msg.messageId, popReceipt, undefined, Math.floor(o.visibilityTimeoutMs / 1000));
  }

  const loop = async () => {
    let delayMs = 100;
    const capacity = o.batchSize + o.newBatchThreshold;
    while (!stopping.signal.aborted) {
      if (running.size > o.newBatchThreshold) {
        // Wait for a slot (or the polling interval); the sleep is cancelled once the race settles.
        const settled = new AbortController();
        const onStop = () => settled.abort();
        stopping.signal.addEventListener('abort', onStop, { once: true });
        await Promise.race([...running, sleep(o.maxPollingIntervalMs, settled.signal)]);
        settled.abort();
        stopping.signal.removeEventListener('abort', onStop);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        const res = await queue.receiveMessages({
          numberOfMessages: Math.min(32, o.batchSize, capacity - running.size),
          visibilityTimeout: Math.ceil(leaseMs / 1000),
        });
        messages = res.receivedMessageItems;
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404) await queue.createIfNotExists().catch(() => undefined);
        else log(`Polling ${queue.name} failed: ${(err as Error).message}`);
      }
      for (const msg of messages) {
        const p = handleMessage(msg)
          .catch((err: unknown) => log(`Handling message ${msg.messageId} failed: ${(err as Error).message}`))
          .finally(() => running.delete(p));
        running.add(p);
      }
      if (messages.length > 0) {
        delayMs = 100;
        continue;
      }
      await sleep(delayMs * (0.8 + Math.random() * 0.4), stopping.signal);
      delayMs = Math.min(o.maxPollingIntervalMs, delayMs * 2);
    }
  };
  const done = loop();
  return {
    async stop() {
      stopping.abort();
      await done;
      await Promise.allSettled([...running]);
    },
  };
}
