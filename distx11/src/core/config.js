"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigurationError = exports.settingNames = exports.settingsSchema = void 0;
exports.loadConfig = loadConfig;
const zod_1 = require("zod");
/**
 * The one typed configuration module: every setting the app reads is declared here, with its
 * default, and nowhere else. Settings come from environment variables (App Settings in Azure,
 * `local.settings.json` `Values` locally).
 *
 * Storage connection: the same `AzureWebJobsStorage` setting drives the trigger bindings and the
 * app's own SDK clients. Either a connection string (`UseDevelopmentStorage=true` or an Azurite /
 * account-key string) or the identity-based form (`AzureWebJobsStorage__blobServiceUri`,
 * `__queueServiceUri`, `__credential=managedidentity`, `__clientId`), as described in
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
 */
const boolean = zod_1.z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min, max) => zod_1.z.coerce.number().int().min(min).max(max);
/** Names and defaults of every setting, as they appear in App Settings and `local.settings.json`. */
exports.settingsSchema = zod_1.z.object({
    AzureWebJobsStorage: zod_1.z.string().min(1).optional(),
    AzureWebJobsStorage__blobServiceUri: zod_1.z.url().optional(),
    AzureWebJobsStorage__queueServiceUri: zod_1.z.url().optional(),
    AzureWebJobsStorage__credential: zod_1.z.literal('managedidentity').optional(),
    AzureWebJobsStorage__clientId: zod_1.z.string().min(1).optional(),
    /** Queue the submit function writes to and the processor is triggered by. */
    JOBS_QUEUE_NAME: zod_1.z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/)
        .default('jobs'),
    /** Blob container holding status documents, inputs (claim checks) and results. */
    JOBS_CONTAINER_NAME: zod_1.z
        .string()
        .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/)
        .default('jobs'),
    /** Largest accepted request body, in bytes (default 100 MiB). Enforced while streaming. */
    JOBS_MAX_INPUT_BYTES: int(1, 5 * 1024 ** 4).default(100 * 1024 * 1024),
    /** Lifetime of a result SAS URL, in seconds (default 600 = 10 minutes). */
    JOBS_RESULT_SAS_TTL_SECONDS: int(60, 7 * 24 * 3600).default(600),
    /** `Retry-After` for pending jobs, in whole seconds (default 2). */
    JOBS_RETRY_AFTER_SECONDS: int(1, 3600).default(2),
    /** Upper bound of any `Retry-After` the app sends, in seconds (default 30). */
    JOBS_MAX_RETRY_AFTER_SECONDS: int(1, 3600).default(30),
    /** Minimum interval between two progress writes of a running job, in ms (default 1000). */
    JOBS_PROGRESS_INTERVAL_MS: int(100, 60_000).default(1000),
    /** Public origin (scheme://host[:port]) used in `Location` and management URLs, e.g. behind a gateway. */
    JOBS_PUBLIC_BASE_URL: zod_1.z
        .url({ protocol: /^https?$/ })
        .refine((u) => /^https?:\/\/[^/?#]+\/*$/.test(u), 'must be an origin: http(s)://host[:port], no path, query or fragment')
        .optional(),
    /** Whether `X-Forwarded-Host` / `X-Forwarded-Proto` from a trusted proxy may build URLs (default false). */
    JOBS_TRUST_FORWARDED_HEADERS: boolean.default(false),
    /** Days a job, its input and its result are kept (default 7). */
    JOBS_RETENTION_DAYS: int(1, 365).default(7),
    /**
     * Overall deadline of a submit's storage work after its input is stored (key claim, message, record),
     * in ms (default 10000). Compensation after it has the same budget again. See `submitBounds`.
     */
    JOBS_SUBMIT_DEADLINE_MS: int(500, 60_000).default(10_000),
    /**
     * A job not moved (no state change, progress or heartbeat) for this long, in seconds, is re-enqueued
     * by the reconciler, and failed after 3 such re-enqueues (default 900 = 15 minutes).
     */
    JOBS_STUCK_AFTER_SECONDS: int(5, 7 * 24 * 3600).default(900),
});
/** Every setting name the app reads (used by consistency tests against Bicep and local settings). */
exports.settingNames = Object.keys(exports.settingsSchema.shape);
/** Raised when settings are missing or invalid; its message names the settings, never their values. */
class ConfigurationError extends Error {
    name = 'ConfigurationError';
}
exports.ConfigurationError = ConfigurationError;
/**
 * Reads and validates the configuration.
 * @param env the variables to read (default `process.env`)
 * @throws ConfigurationError naming each invalid setting (values are never echoed: they may be secrets)
 */
function loadConfig(env = process.env) {
    const present = Object.fromEntries(exports.settingNames.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
    const parsed = exports.settingsSchema.safeParse(present);
    if (!parsed.success) {
        const names = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new ConfigurationError(`Invalid settings: ${names.join('; ')}`);
    }
    const s = parsed.data;
    let storage;
    if (s.AzureWebJobsStorage) {
        storage = { kind: 'connectionString', connectionString: s.AzureWebJobsStorage };
    }
    else if (s.AzureWebJobsStorage__blobServiceUri && s.AzureWebJobsStorage__queueServiceUri) {
        storage = {
            kind: 'identity',
            blobServiceUri: s.AzureWebJobsStorage__blobServiceUri,
            queueServiceUri: s.AzureWebJobsStorage__queueServiceUri,
            ...(s.AzureWebJobsStorage__clientId ? { clientId: s.AzureWebJobsStorage__clientId } : {}),
        };
    }
    else {
        throw new ConfigurationError('Storage is not configured: set AzureWebJobsStorage, or AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__queueServiceUri');
    }
    return {
        storage,
        queueName: s.JOBS_QUEUE_NAME,
        poisonQueueName: `${s.JOBS_QUEUE_NAME}-poison`,
        containerName: s.JOBS_CONTAINER_NAME,
        maxInputBytes: s.JOBS_MAX_INPUT_BYTES,
        resultSasTtlSeconds: s.JOBS_RESULT_SAS_TTL_SECONDS,
        retryAfterSeconds: s.JOBS_RETRY_AFTER_SECONDS,
        maxRetryAfterSeconds: Math.max(s.JOBS_MAX_RETRY_AFTER_SECONDS, s.JOBS_RETRY_AFTER_SECONDS),
        progressIntervalMs: s.JOBS_PROGRESS_INTERVAL_MS,
        ...(s.JOBS_PUBLIC_BASE_URL ? { publicBaseUrl: s.JOBS_PUBLIC_BASE_URL.replace(/\/+$/, '') } : {}),
        trustForwardedHeaders: s.JOBS_TRUST_FORWARDED_HEADERS,
        retentionDays: s.JOBS_RETENTION_DAYS,
        submitDeadlineMs: s.JOBS_SUBMIT_DEADLINE_MS,
        stuckAfterMs: s.JOBS_STUCK_AFTER_SECONDS * 1000,
    };
}
//# sourceMappingURL=config.js.map