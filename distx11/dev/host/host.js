"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.startLocalHost = startLocalHost;
const storage_queue_1 = require("@azure/storage-queue");
const hostJson_1 = require("./hostJson");
const httpHost_1 = require("./httpHost");
const loadApp_1 = require("./loadApp");
const queueListener_1 = require("./queueListener");
const settings_1 = require("./settings");
const timerListener_1 = require("./timerListener");
const levels = { warning: 'WARN', error: 'ERROR', critical: 'CRIT', debug: 'DEBUG', trace: 'TRACE' };
/**
 * Starts the app in this process: loads it as the Node.js worker does, serves its HTTP triggers and
 * polls the queues of its queue triggers with host.json settings. Environment variables must
 * already hold the app settings (see `applyLocalSettings`).
 * @throws when the app fails to load or a trigger type is not supported locally
 */
async function startLocalHost(opts) {
    const log = opts.log ?? ((line) => console.log(line));
    const hostJson = (0, hostJson_1.readHostJson)(opts.appDir);
    const app = await (0, loadApp_1.loadApp)(opts.appDir, (level, _category, message, fn) => {
        if (level === 'debug' || level === 'trace')
            return;
        log(`${new Date().toISOString()} ${levels[level] ?? 'INFO'}${fn ? ` [${fn}]` : ''} ${message}`);
    });
    // `AzureWebJobs.<name>.Disabled=true` turns a function off, as in Azure and `func start`.
    for (const name of [...app.core.registrations.keys()]) {
        if (/^(true|1)$/i.test(process.env[`AzureWebJobs.${name}.Disabled`] ?? '')) {
            app.core.registrations.delete(name);
            log(`Function '${name}' is disabled (AzureWebJobs.${name}.Disabled).`);
        }
    }
    const listeners = [];
    for (const reg of app.core.registrations.values()) {
        const type = reg.trigger.type?.toLowerCase();
        if (type === 'httptrigger')
            continue;
        if (type === 'timertrigger') {
            listeners.push((0, timerListener_1.startTimerListener)(app.core, reg, (0, settings_1.resolveBindingExpression)(String(reg.trigger.schedule)), (m) => log(`${new Date().toISOString()} WARN [${reg.metadata.name}] ${m}`)));
            continue;
        }
        if (type !== 'queuetrigger')
            throw new Error(`Trigger type '${reg.trigger.type}' of '${reg.metadata.name}' is not supported by the local host.`);
        const connectionName = typeof reg.trigger.connection === 'string' ? reg.trigger.connection : 'AzureWebJobsStorage';
        const connection = process.env[connectionName];
        if (!connection)
            throw new Error(`Setting '${connectionName}' (connection of '${reg.metadata.name}') is not set.`);
        // Quick retries, like the app's own clients, so a storage outage does not stall the listener.
        const service = storage_queue_1.QueueServiceClient.fromConnectionString(connection, {
            retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 30_000 },
        });
        const queueName = (0, settings_1.resolveBindingExpression)(String(reg.trigger.queueName));
        const queue = service.getQueueClient(queueName);
        await queue.createIfNotExists();
        listeners.push((0, queueListener_1.startQueueListener)({
            core: app.core,
            reg,
            queue,
            poisonQueue: service.getQueueClient(`${queueName}-poison`),
            options: hostJson.queues,
            ...(opts.queueLeaseMs ? { leaseMs: opts.queueLeaseMs } : {}),
            log: (m) => log(`${new Date().toISOString()} WARN [${reg.metadata.name}] ${m}`),
        }));
    }
    const http = await (0, httpHost_1.startHttpHost)({
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
//# sourceMappingURL=host.js.map