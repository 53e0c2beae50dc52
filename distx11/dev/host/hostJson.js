"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseTimeSpan = parseTimeSpan;
exports.extensionProcessorCount = extensionProcessorCount;
exports.readHostJson = readHostJson;
const node_fs_1 = require("node:fs");
const node_os_1 = require("node:os");
const node_path_1 = require("node:path");
/**
 * Parses a TimeSpan string as the Functions host reads host.json durations: .NET `TimeSpan.Parse`
 * with the invariant culture (the configuration binder's `TimeSpanConverter`). Accepted forms, with
 * optional surrounding white space and a leading `-`: `d` (days), `[d.]hh:mm`,
 * `[d.]hh:mm:ss[.fffffff]` and `d:hh:mm:ss[.fffffff]`; hours 0-23, minutes and seconds 0-59, at most
 * 7 fraction digits; `hh:mm:ss` with hours over 23 is read as `d:hh:mm`. So `"10"` is 10 days,
 * `"00:10"` 10 minutes and `"24:00:00"` 24 days, as in Azure. Checked against
 * .NET by test/conformance (the host.json cases).
 * @returns milliseconds (rounded to whole ms)
 * @throws on any other text, or a component out of range (.NET's FormatException / OverflowException)
 */
function parseTimeSpan(value) {
    const text = value.trim();
    const sign = text.startsWith('-') ? -1 : 1;
    const body = sign < 0 ? text.slice(1) : text;
    const forms = [
        [/^(\d+)$/, (m) => [m[1]]],
        [/^(?:(\d+)\.)?(\d+):(\d+)$/, (m) => [m[1], m[2], m[3]]],
        // .NET reads `a:b:c` with hours a > 23 (no days, no fraction) as days:hours:minutes: "24:00:00" is 24 days.
        [
            /^(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.(\d{1,7}))?$/,
            (m) => (m[1] === undefined && m[5] === undefined && Number(m[2]) > 23 ? [m[2], m[3], m[4]] : [m[1], m[2], m[3], m[4], m[5]]),
        ],
        [/^(\d+):(\d+):(\d+):(\d+)(?:\.(\d{1,7}))?$/, (m) => [m[1], m[2], m[3], m[4], m[5]]],
    ];
    for (const [re, parts] of forms) {
        const m = re.exec(body);
        if (!m)
            continue;
        const [d = '0', h = '0', min = '0', sec = '0', frac = '0'] = parts(m);
        if (Number(h) > 23 || Number(min) > 59 || Number(sec) > 59)
            break;
        const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(sec) * 1000 + Math.round(Number(`0.${frac}`) * 1000);
        return sign * ms;
    }
    throw new Error(`Invalid TimeSpan '${value}' (expected [-]d, [-][d.]hh:mm[:ss[.fffffff]] or [-]d:hh:mm:ss[.fffffff])`);
}
/**
 * The extension's processor count for default `newBatchThreshold`: 1 on Consumption plans
 * (`WEBSITE_SKU=Dynamic`), else the machine's (azure-sdk-for-net storage extensions `SkuUtility`).
 */
function extensionProcessorCount(env = process.env) {
    return /^dynamic$/i.test(env.WEBSITE_SKU ?? '') ? 1 : (0, node_os_1.availableParallelism)();
}
/** An integer setting of `extensions.queues` (JSON number or numeric string, as the binder takes). */
function intSetting(q, name, fallback, min, max = Number.MAX_SAFE_INTEGER) {
    const raw = q[name];
    if (raw === undefined || raw === null)
        return fallback;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n))
        throw new Error(`Invalid extensions.queues.${name} ${JSON.stringify(raw)} (expected an integer)`);
    if (n < min || n > max)
        throw new Error(`extensions.queues.${name} ${n} is out of range (${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max})`);
    return n;
}
/** A TimeSpan setting of `extensions.queues`. */
function timeSetting(q, name, fallbackMs) {
    const raw = q[name];
    if (raw === undefined || raw === null)
        return fallbackMs;
    return parseTimeSpan(typeof raw === 'string' ? raw : JSON.stringify(raw));
}
/**
 * Reads host.json from `appDir`. The queue settings are read and checked as the Storage Queues
 * extension's `QueuesOptions` (azure-sdk-for-net
 * `sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/QueuesOptions.cs`):
 * batchSize 16 by default, 1..32; newBatchThreshold ≥ 0, by default batchSize/2 × the processor count
 * ({@link extensionProcessorCount}); maxDequeueCount 5, ≥ 1; visibilityTimeout 0; maxPollingInterval
 * 1 min, ≥ 100 ms; messageEncoding base64 or none (any case). routePrefix defaults to `api`.
 * @throws on a setting the extension refuses (the Functions host would not start either)
 */
function readHostJson(appDir, env = process.env) {
    const json = JSON.parse((0, node_fs_1.readFileSync)((0, node_path_1.join)(appDir, 'host.json'), 'utf8'));
    const q = json.extensions?.queues ?? {};
    const batchSize = intSetting(q, 'batchSize', 16, 1, 32);
    const rawEncoding = q.messageEncoding ?? 'base64';
    const encoding = (typeof rawEncoding === 'string' ? rawEncoding : JSON.stringify(rawEncoding)).trim().toLowerCase();
    if (encoding !== 'base64' && encoding !== 'none')
        throw new Error(`Invalid messageEncoding '${encoding}'`);
    const maxPollingIntervalMs = timeSetting(q, 'maxPollingInterval', 60_000);
    if (maxPollingIntervalMs < 100)
        throw new Error(`extensions.queues.maxPollingInterval must not be less than 00:00:00.100 (got '${String(q.maxPollingInterval)}')`);
    return {
        routePrefix: (json.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
        queues: {
            batchSize,
            newBatchThreshold: intSetting(q, 'newBatchThreshold', Math.floor(batchSize / 2) * extensionProcessorCount(env), 0),
            maxDequeueCount: intSetting(q, 'maxDequeueCount', 5, 1),
            visibilityTimeoutMs: timeSetting(q, 'visibilityTimeout', 0),
            maxPollingIntervalMs,
            messageEncoding: encoding,
        },
        // "-1" means no time limit (Premium / Dedicated / Flex), https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout
        ...(json.functionTimeout && json.functionTimeout.trim() !== '-1' ? { functionTimeoutMs: parseTimeSpan(json.functionTimeout) } : {}),
    };
}
//# sourceMappingURL=hostJson.js.map