"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.UserDelegationSasSigner = exports.AccountKeySasSigner = exports.sasVersion = exports.clockSkewMs = void 0;
const storage_blob_1 = require("@azure/storage-blob");
/** Start time set back by 5 minutes to tolerate clock skew between the app and storage. */
exports.clockSkewMs = 5 * 60 * 1000;
/** Version of the SAS (`sv`), one that Azurite and Azure both accept. */
exports.sasVersion = '2025-01-05';
function sasParams(containerName, blobName, contentType, ttlSeconds, now, https) {
    return {
        containerName,
        blobName,
        permissions: storage_blob_1.BlobSASPermissions.parse('r'),
        startsOn: new Date(now.getTime() - exports.clockSkewMs),
        expiresOn: new Date(now.getTime() + ttlSeconds * 1000),
        protocol: https ? storage_blob_1.SASProtocol.Https : storage_blob_1.SASProtocol.HttpsAndHttp,
        contentType,
        version: exports.sasVersion,
    };
}
/** HTTPS-only unless the storage endpoint itself is plain HTTP (Azurite). */
function isHttps(url) {
    return url.startsWith('https:');
}
/** Signs with the account key: Azurite and key-based connection strings (local development). */
class AccountKeySasSigner {
    blobService;
    containerName;
    key;
    constructor(blobService, containerName, key) {
        this.blobService = blobService;
        this.containerName = containerName;
        this.key = key;
    }
    // eslint-disable-next-line @typescript-eslint/require-await -- ResultUrlSigner is async (the user delegation signer awaits its key)
    async readUrl(blobName, contentType, ttlSeconds, now = new Date()) {
        const blob = this.blobService.getContainerClient(this.containerName).getBlobClient(blobName);
        const sas = (0, storage_blob_1.generateBlobSASQueryParameters)(sasParams(this.containerName, blobName, contentType, ttlSeconds, now, isHttps(blob.url)), this.key);
        return `${blob.url}?${sas.toString()}`;
    }
}
exports.AccountKeySasSigner = AccountKeySasSigner;
/**
 * Signs with a user delegation key obtained with the app's Microsoft Entra identity (no account
 * keys). The key is cached and renewed before it expires: it is requested for `keyLifetimeMs`
 * (default 1 day; the service allows up to 7 days) and renewed once less than a SAS lifetime plus the
 * clock-skew margin is left. https://learn.microsoft.com/rest/api/storageservices/create-user-delegation-sas
 */
class UserDelegationSasSigner {
    blobService;
    containerName;
    keyLifetimeMs;
    cached;
    pending;
    constructor(blobService, containerName, keyLifetimeMs = 24 * 3600 * 1000) {
        this.blobService = blobService;
        this.containerName = containerName;
        this.keyLifetimeMs = keyLifetimeMs;
    }
    async key(now, ttlSeconds) {
        const needUntil = now.getTime() + ttlSeconds * 1000 + exports.clockSkewMs;
        if (this.cached && this.cached.expiresOn.getTime() > needUntil)
            return this.cached.key;
        this.pending ??= (async () => {
            const startsOn = new Date(now.getTime() - exports.clockSkewMs);
            const expiresOn = new Date(now.getTime() + Math.max(this.keyLifetimeMs, ttlSeconds * 1000 + 2 * exports.clockSkewMs));
            try {
                const key = await this.blobService.getUserDelegationKey(startsOn, expiresOn);
                this.cached = { key, expiresOn };
                return key;
            }
            finally {
                this.pending = undefined;
            }
        })();
        return this.pending;
    }
    async readUrl(blobName, contentType, ttlSeconds, now = new Date()) {
        const key = await this.key(now, ttlSeconds);
        const blob = this.blobService.getContainerClient(this.containerName).getBlobClient(blobName);
        const sas = (0, storage_blob_1.generateBlobSASQueryParameters)(sasParams(this.containerName, blobName, contentType, ttlSeconds, now, isHttps(blob.url)), key, this.blobService.accountName);
        return `${blob.url}?${sas.toString()}`;
    }
}
exports.UserDelegationSasSigner = UserDelegationSasSigner;
//# sourceMappingURL=sas.js.map