import {
  BlobSASPermissions,
  type BlobServiceClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';

/**
 * Signs short-lived, read-only URLs to one result blob (service SAS, `sp=r`, `sr=b`).
 * https://learn.microsoft.com/rest/api/storageservices/create-service-sas
 */
export interface ResultUrlSigner {
  /**
   * @param blobName blob inside the jobs container
   * @param contentType served as the response `Content-Type` (`rsct`)
   * @param ttlSeconds lifetime of the URL in seconds
   * @returns an absolute URL to the blob carrying the SAS token
   */
  readUrl(blobName: string, contentType: string, ttlSeconds: number, now?: Date): Promise<string>;
}

/** Start time set back by 5 minutes to tolerate clock skew between the app and storage. */
export const clockSkewMs = 5 * 60 * 1000;

/** Version of the SAS (`sv`), one that Azurite and Azure both accept. */
export const sasVersion = '2025-01-05';

function sasParams(containerName: string, blobName: string, contentType: string, ttlSeconds: number, now: Date, https: boolean) {
  return {
    containerName,
    blobName,
    permissions: BlobSASPermissions.parse('r'),
    startsOn: new Date(now.getTime() - clockSkewMs),
    expiresOn: new Date(now.getTime() + ttlSeconds * 1000),
    protocol: https ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    contentType,
    version: sasVersion,
  };
}

/** HTTPS-only unless the storage endpoint itself is plain HTTP (Azurite). */
function isHttps(url: string): boolean {
  return url.startsWith('https:');
}

/** Signs with the account key: Azurite and key-based connection strings (local development). */
export class AccountKeySasSigner implements ResultUrlSigner {
  constructor(
    private readonly blobService: BlobServiceClient,
    private readonly containerName: string,
    private readonly key: StorageSharedKeyCredential,
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- ResultUrlSigner is async (the user delegation signer awaits its key)
  async readUrl(blobName: string, contentType: string, ttlSeconds: number, now = new Date()): Promise<string> {
    const blob = this.blobService.getContainerClient(this.containerName).getBlobClient(blobName);
    const sas = generateBlobSASQueryParameters(
      sasParams(this.containerName, blobName, contentType, ttlSeconds, now, isHttps(blob.url)),
      this.key,
    );
    return `${blob.url}?${sas.toString()}`;
  }
}

/**
 * Signs with a user delegation key obtained with the app's Microsoft Entra identity (no account
 * keys). The key is cached and renewed before it expires: it is requested for `keyLifetimeMs`
 * (default 1 day; the service allows up to 7 days) and renewed once less than a SAS lifetime plus the
 * clock-skew margin is left. https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas
 */
export class UserDelegationSasSigner implements ResultUrlSigner {
  private cached?: { key: UserDelegationKey; expiresOn: Date };
  private pending?: Promise<UserDelegationKey>;

  constructor(
    private readonly blobService: BlobServiceClient,
    private readonly containerName: string,
    private readonly keyLifetimeMs = 24 * 3600 * 1000,
  ) {}

  private async key(now: Date, ttlSeconds: number): Promise<UserDelegationKey> {
    const needUntil = now.getTime() + ttlSeconds * 1000 + clockSkewMs;
    if (this.cached && this.cached.expiresOn.getTime() > needUntil) return this.cached.key;
    this.pending ??= (async () => {
      const startsOn = new Date(now.getTime() - clockSkewMs);
      const expiresOn = new Date(now.getTime() + Math.max(this.keyLifetimeMs, ttlSeconds * 1000 + 2 * clockSkewMs));
      try {
        const key = await this.blobService.getUserDelegationKey(startsOn, expiresOn);
        this.cached = { key, expiresOn };
        return key;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  async readUrl(blobName: string, contentType: string, ttlSeconds: number, now = new Date()): Promise<string> {
    const key = await this.key(now, ttlSeconds);
    const blob = this.blobService.getContainerClient(this.containerName).getBlobClient(blobName);
    const sas = generateBlobSASQueryParameters(
      sasParams(this.containerName, blobName, contentType, ttlSeconds, now, isHttps(blob.url)),
      key,
      this.blobService.accountName,
    );
    return `${blob.url}?${sas.toString()}`;
  }
}
