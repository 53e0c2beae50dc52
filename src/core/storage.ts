import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
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
 * Creates the Blob and Queue service clients.
 * - connection string (`UseDevelopmentStorage=true`, Azurite or account key): shared key auth;
 * - identity (`AzureWebJobsStorage__blobServiceUri`/`__queueServiceUri`): Microsoft Entra tokens from
 *   the user-assigned managed identity named by `__clientId`, else `DefaultAzureCredential`.
 */
export function createStorageClients(config: AppConfig): StorageClients {
  const s = config.storage;
  if (s.kind === 'connectionString') {
    const blobService = BlobServiceClient.fromConnectionString(s.connectionString);
    const queueService = QueueServiceClient.fromConnectionString(s.connectionString);
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
    blobService: new BlobServiceClient(s.blobServiceUri, tokenCredential),
    queueService: new QueueServiceClient(s.queueServiceUri, tokenCredential),
    tokenCredential,
  };
}

/** Storage error status codes that mean "try again later" (throttling, server busy, unreachable). */
export function isTransientStorageError(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; name?: string };
  if (e?.statusCode !== undefined) return e.statusCode === 408 || e.statusCode === 429 || e.statusCode >= 500;
  return (
    e?.name === 'RestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e?.code ?? '')
  );
}
