"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.storageRetryOptions = void 0;
exports.createStorageClients = createStorageClients;
exports.isTransientStorageError = isTransientStorageError;
exports.describeError = describeError;
const identity_1 = require("@azure/identity");
const storage_blob_1 = require("@azure/storage-blob");
const storage_queue_1 = require("@azure/storage-queue");
/**
 * Retry policy of the app's storage clients: a few quick retries (200 ms doubling to 2 s), so that a
 * storage outage turns into a 503 + Retry-After within seconds instead of holding the caller for the
 * SDK default's minutes; the queue's own redelivery covers the worker. Each try may take 60 s.
 */
exports.storageRetryOptions = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 60_000 };
/**
 * Creates the Blob and Queue service clients.
 * - connection string (`UseDevelopmentStorage=true`, Azurite or account key): shared key auth;
 * - identity (`AzureWebJobsStorage__blobServiceUri`/`__queueServiceUri`): Microsoft Entra tokens from
 *   the user-assigned managed identity named by `__clientId`, else `DefaultAzureCredential`.
 */
function createStorageClients(config) {
    const s = config.storage;
    const blobOptions = { retryOptions: exports.storageRetryOptions };
    const queueOptions = { retryOptions: exports.storageRetryOptions };
    if (s.kind === 'connectionString') {
        const blobService = storage_blob_1.BlobServiceClient.fromConnectionString(s.connectionString, blobOptions);
        const queueService = storage_queue_1.QueueServiceClient.fromConnectionString(s.connectionString, queueOptions);
        const cred = blobService.credential;
        return {
            blobService,
            queueService,
            ...(cred instanceof storage_blob_1.StorageSharedKeyCredential ? { sharedKey: cred } : {}),
        };
    }
    const tokenCredential = s.clientId
        ? new identity_1.ManagedIdentityCredential({ clientId: s.clientId })
        : new identity_1.DefaultAzureCredential();
    return {
        blobService: new storage_blob_1.BlobServiceClient(s.blobServiceUri, tokenCredential, blobOptions),
        queueService: new storage_queue_1.QueueServiceClient(s.queueServiceUri, tokenCredential, queueOptions),
        tokenCredential,
    };
}
/** Storage error status codes that mean "try again later" (throttling, server busy, unreachable). */
function isTransientStorageError(err) {
    const e = err;
    if (e?.statusCode !== undefined)
        return e.statusCode === 408 || e.statusCode === 429 || e.statusCode >= 500;
    return e?.name === 'RestError' || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e?.code ?? '');
}
/**
 * A loggable one-line description of an error: name, message, storage status and code. Never the
 * request (headers could carry credentials) and never a connection string.
 */
function describeError(err) {
    if (!(err instanceof Error))
        return String(err);
    const e = err;
    return [`${e.name}: ${e.message}`, e.statusCode ? `status ${e.statusCode}` : '', e.code ? `code ${e.code}` : '']
        .filter(Boolean)
        .join(', ');
}
//# sourceMappingURL=storage.js.map