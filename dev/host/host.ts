import { QueueServiceClient } from '@azure/storage-queue';

import type { RpcLogLevel } from './coreApi';
import { readHostJson } from './hostJson';
import { type HttpHost, startHttpHost } from './httpHost';
import { loadApp } from './loadApp';
import { type QueueListener, startQueueListener } from './queueListener';
import { type LocalHostSettings, resolveBindingExpression } from './settings';
import { startTimerListener, type TimerListener } from './timerListener';

/** Options for {@link startLocalHost}. */
export interface LocalHostOptions {
  appDir: string;
  /** HTTP port (0 = any free port). */
  port: number;
  hostSettings?: LocalHostSettings;
  /** Queue message lease in ms (default 10 minutes, as the Storage Queues extension). */
  queueLeaseMs?: number;
  log?: (line: string) => void;
}

/** A running local Functions host. */
export interface LocalHost {
  port: number;
  http: HttpHost;
  /** Registered functions and their trigger types (disabled ones left out). */
  functions: { name: string; trigger: string }[];
  /** Stops HTTP and queue listeners (waiting for running invocations), then runs `appTerminate` hooks. */
  close(): Promise<void>;
}

const levels: Partial<Record<RpcLogLevel, string>> = { warning: 'WARN', error: 'ERROR', critical: 'CRIT', debug: 'DEBUG', trace: 'TRACE' };

/**
 * Starts the app in this process: loads it as the Node.js worker does, serves its HTTP triggers and
 * polls the queues of its queue triggers with host.json settings. Environment variables must
 * already hold the app settings (see `applyLocalSettings`).
 * @throws when the app fails to load or a trigger type is not supported locally
 */
export async function startLocalHost(opts: LocalHostOptions): Promise<LocalHost> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const hostJson = readHostJson(opts.appDir);
  const app = await loadApp(opts.appDir, (level, _category, message, fn) => {
    if (level === 'debug' || level === 'trace') return;
    log(`${new Date().toISOString()} ${levels[level] ?? 'INFO'}${fn ? ` [${fn}]` : ''} ${message}`);
  });
  // `AzureWebJobs.<name>.Disabled=true` turns a function off, as in Azure and `func start`.
  for (const name of [...app.core.registrations.keys()]) {
    if (/^(true|1)$/i.test(process.env[`AzureWebJobs.${name}.Disabled`] ?? '')) {
      app.core.registrations.delete(name);
      log(`Function '${name}' is disabled (AzureWebJobs.${name}.Disabled).`);
    }
  }
  const listeners: (QueueListener | TimerListener)[] = [];
  for (const reg of app.core.registrations.values()) {
    const type = reg.trigger.type?.toLowerCase();
    if (type === 'httptrigger') continue;
    if (type === 'timertrigger') {
      listeners.push(
        startTimerListener(app.core, reg, resolveBindingExpression(String(reg.trigger.schedule)), (m) =>
          log(`${new Date().toISOString()} WARN [${reg.metadata.name}] ${m}`),
        ),
      );
      continue;
    }
    if (type !== 'queuetrigger')
      throw new Error(`Trigger type '${reg.trigger.type}' of '${reg.metadata.name}' is not supported by the local host.`);
    const connectionName = typeof reg.trigger.connection === 'string' ? reg.trigger.connection : 'AzureWebJobsStorage';
    const connection = process.env[connectionName];
    if (!connection) throw new Error(`Setting '${connectionName}' (connection of '${reg.metadata.name}') is not set.`);
    // Quick retries, like the app's own clients, so a storage outage does not stall the listener.
    const service = QueueServiceClient.fromConnectionString(connection, {
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 },
    });
    const queueName = resolveBindingExpression(String(reg.trigger.queueName));
    const queue = service.getQueueClient(queueName);
    await queue.createIfNotExists();
    listeners.push(
      startQueueListener({
        core: app.core,
        reg,
        queue,
        poisonQueue: service.getQueueClient(`${queueName}-poison`),
        options: hostJson.queues,
        ...(opts.queueLeaseMs ? { leaseMs: opts.queueLeaseMs } : {}),
        log: (m) => log(`${new Date().toISOString()} WARN [${reg.metadata.name}] ${m}`),
      }),
    );
  }
  const http = await startHttpHost({
    core: app.core,
    ...(app.capabilities.HttpUri ? { httpUri: app.capabilities.HttpUri } : {}),
    routePrefix: hostJson.routePrefix,
    port: opts.port,
    cors: opts.hostSettings ?? {},
    log,
  });
  return {
    port: http.port,
    http,
    functions: [...app.core.registrations.values()].map((r) => ({ name: r.metadata.name, trigger: String(r.trigger.type) })),
    async close() {
      await http.close();
      await Promise.all(listeners.map((l) => l.stop()));
      await app.core.runHooks('appTerminate', { hookData: {}, appHookData: app.core.appHookData });
    },
  };
}
