import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Queue trigger options of host.json `extensions.queues`, with the Storage Queues extension's
 * defaults (azure-sdk-for-net `QueuesOptions`): durations in ms.
 */
export interface QueueOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  /** Delay before a failed message becomes visible again, in ms. */
  visibilityTimeoutMs: number;
  /** Longest wait between two polls of an empty queue, in ms (minimum 100). */
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
}

/** The parts of host.json the local host uses. */
export interface HostJson {
  routePrefix: string;
  queues: QueueOptions;
  /** `functionTimeout` in ms, if set (absent for `-1`, no limit). */
  functionTimeoutMs?: number;
}

/**
 * Parses a .NET TimeSpan string as host.json uses them: `[d.]hh:mm:ss[.fff]`.
 * @returns milliseconds
 * @throws on any other format
 */
export function parseTimeSpan(value: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!m) throw new Error(`Invalid TimeSpan '${value}' (expected [d.]hh:mm:ss[.fff])`);
  const [, d = '0', h, min, s, frac = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000 + Math.round(Number(`0.${frac}`) * 1000);
}

/**
 * Reads host.json from `appDir`. Queue defaults: batchSize 16 (max 32), newBatchThreshold
 * batchSize/2 (one processor), maxDequeueCount 5, visibilityTimeout 0, maxPollingInterval 1 min,
 * messageEncoding base64. routePrefix defaults to `api`.
 */
export function readHostJson(appDir: string): HostJson {
  const json = JSON.parse(readFileSync(join(appDir, 'host.json'), 'utf8')) as {
    functionTimeout?: string;
    extensions?: { http?: { routePrefix?: string }; queues?: Record<string, unknown> };
  };
  const q = json.extensions?.queues ?? {};
  const batchSize = Math.min(32, Math.max(1, Number(q.batchSize ?? 16)));
  const encoding = String(q.messageEncoding ?? 'base64').toLowerCase();
  if (encoding !== 'base64' && encoding !== 'none') throw new Error(`Invalid messageEncoding '${encoding}'`);
  return {
    routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize,
      newBatchThreshold: Number(q.newBatchThreshold ?? Math.floor(batchSize / 2)),
      maxDequeueCount: Number(q.maxDequeueCount ?? 5),
      visibilityTimeoutMs: q.visibilityTimeout ? parseTimeSpan(String(q.visibilityTimeout)) : 0,
      maxPollingIntervalMs: Math.max(100, q.maxPollingInterval ? parseTimeSpan(String(q.maxPollingInterval)) : 60_000),
      messageEncoding: encoding,
    },
    // "-1" means no time limit (Premium / Dedicated / Flex), https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout
    ...(json.functionTimeout && json.functionTimeout.trim() !== '-1' ? { functionTimeoutMs: parseTimeSpan(json.functionTimeout) } : {}),
  };
}
