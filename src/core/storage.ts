import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient, type StoragePipelineOptions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { QueueServiceClient, type StoragePipelineOptions as QueuePipelineOptions } from '@azure/storage-queue';

import type { AppConfig } from './config';

/** The SDK clients of the app, built from the same settings the trigger bindings use. */
export interface StorageClients {
  blobService: BlobServiceClient;
  queueService: QueueServiceClient;
  /** Set with a key-based connection (Azurite locally): the SAS signer can then use the account key. */
  sharedKey?: StorageSharedKeyCredential;
  /** Set with an identity-based connection (Azure): used for user delegation keys. */
  tokenCredential?: TokenCredential;
}

/**
 * Retry policy of the app's storage clients: a few quick retries (200 ms doubling to 2 s), so that a
 * storage outage turns into a 503 + Retry-After within seconds instead of holding the caller for the
 * SDK default's minutes; the queue's own redelivery covers the worker. Each try may take 60 s.
 */
export const storageRetryOptions = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 60_000 };

/**
 * Creates the Blob and Queue service clients.
 * - connection string (`UseDevelopmentStorage=true`, Azurite or account key): shared key auth;
 * - identity (`AzureWebJobsStorage__blobServiceUri`/`__queueServiceUri`): Microsoft Entra tokens from
 *   the user-assigned managed identity named by `__clientId`, else `DefaultAzureCredential`.
 */
export function createStorageClients(config: AppConfig): StorageClients {
  const s = config.storage;
  const blobOptions: StoragePipelineOptions = { retryOptions: storageRetryOptions };
  const queueOptions: QueuePipelineOptions = { retryOptions: storageRetryOptions };
  if (s.kind === 'connectionString') {
    const blobService = BlobServiceClient.fromConnectionString(s.connectionString, blobOptions);
    const queueService = QueueServiceClient.fromConnectionString(s.connectionString, queueOptions);
    const cred = blobService.credential;
    return {
      blobService,
      queueService,
      ...(cred instanceof StorageSharedKeyCredential ? { sharedKey: cred } : {}),
    };
  }
  const tokenCredential: TokenCredential = s.clientId
    ? new ManagedIdentityCredential({ clientId: s.clientId })
    : new DefaultAzureCredential();
  return {
    blobService: new BlobServiceClient(s.blobServiceUri, tokenCredential, blobOptions),
    queueService: new QueueServiceClient(s.queueServiceUri, tokenCredential, queueOptions),
    tokenCredential,
  };
}

/** Storage error status codes that mean "try again later" (throttling, server busy, unreachable). */
export function isTransientStorageError(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; name?: string };
  if (e?.statusCode !== undefined) return e.statusCode === 408 || e.statusCode === 429 || e.statusCode >= 500;
  return e?.name === 'RestError' || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e?.code ?? '');
}

/**
 * A loggable one-line description of an error: name, message, storage status and code. Never the
 * request (headers could carry credentials) and never a connection string.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { statusCode?: number; code?: string };
  return [`${e.name}: ${e.message}`, e.statusCode ? `status ${e.statusCode}` : '', e.code ? `code ${e.code}` : '']
    .filter(Boolean)
    .join(', ');
}

/** SDK call options with an abort signal when one is given (the SDK methods take `abortSignal`). */
export const abortable = (signal: AbortSignal | undefined): { abortSignal?: AbortSignal } => (signal ? { abortSignal: signal } : {});

/**
 * A failed precondition: a stale ETag (412), or an existing blob on a create with `If-None-Match: *`
 * (409 on Azurite, 412 on Azure).
 */
export function isConditionFailure(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status === 412 || status === 409;
}

/** Reads a whole (small) stream as UTF-8. */
export async function streamToString(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
