import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';

import { devAccount } from '../../dev/host/azurite';
import { AccountKeySasSigner, clockSkewMs, sasVersion, UserDelegationSasSigner } from '../../src/core/sas';
import { FakeEntraCredential, type HttpsAzurite, httpsRequest, startHttpsAzurite } from '../support/azuriteHttps';
import { storageConnectionString, uniqueName } from '../support/env';

/**
 * Result SAS URLs (docs/api.md "The result SAS URL"), signed both ways the app signs them:
 * - in Azure: a user delegation key obtained with a Microsoft Entra token (`UserDelegationSasSigner`),
 *   exercised against a second Azurite started with HTTPS and `--oauth basic` (the only way Azurite
 *   hands out user delegation keys);
 * - locally: the Azurite account key (`AccountKeySasSigner`), on the run's main Azurite (plain HTTP).
 * Each SAS URL is then used by a plain client, as the app's callers use it.
 */

const report = JSON.stringify({ rows: 2, columns: [{ name: 'n', type: 'integer' }] });
const otherBody = 'secret,do not leak\n1,2\n';
const contentType = 'application/json';

/** Replaces one query parameter of a URL (raw value, re-encoded). */
function withParam(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

/** The same signature with its first base64 character changed. */
function alteredSignature(url: string): string {
  const sig = new URL(url).searchParams.get('sig')!;
  return withParam(url, 'sig', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
}

/** The SAS query of `url` (signed for `blobName`) moved onto another blob of the same container. */
function sasOnOtherBlob(url: string, blobName: string, otherBlobName: string): string {
  const u = new URL(url);
  if (!u.pathname.endsWith(`/${blobName}`)) throw new Error(`${u.pathname} is not ${blobName}`);
  u.pathname = u.pathname.slice(0, -blobName.length) + otherBlobName;
  return u.toString();
}

/** Spies on `getUserDelegationKey` (calls through) and lists the (startsOn, expiresOn) it was asked for. */
function spyOnKeyRequests(client: BlobServiceClient) {
  const spy = jest.spyOn(client, 'getUserDelegationKey');
  const requests = () => spy.mock.calls.map((c) => ({ startsOn: c[0] as unknown as Date, expiresOn: c[1] as unknown as Date }));
  return { spy, requests };
}

describe('user delegation SAS (Azurite over HTTPS with --oauth basic)', () => {
  let az: HttpsAzurite;
  let credential: FakeEntraCredential;
  let blobService: BlobServiceClient;
  let container: ContainerClient;
  const blobName = 'job-1/result-1';
  const otherBlobName = 'job-2/input';

  beforeAll(async () => {
    az = await startHttpsAzurite();
    credential = new FakeEntraCredential();
    blobService = az.blobService(credential);
    container = blobService.getContainerClient(uniqueName('udk'));
    await container.create();
    await container
      .getBlockBlobClient(blobName)
      .upload(report, Buffer.byteLength(report), { blobHTTPHeaders: { blobContentType: 'application/octet-stream' } });
    await container.getBlockBlobClient(otherBlobName).upload(otherBody, Buffer.byteLength(otherBody));
  }, 60_000);
  afterAll(async () => {
    await az?.stop();
  });

  test('the HTTPS endpoint is trusted only by the clients given the certificate, and bearer tokens are used', async () => {
    // A client without the certificate fails the TLS handshake: the trust is scoped, not global.
    const untrusting = new BlobServiceClient(az.blobEndpoint, new FakeEntraCredential(), { retryOptions: { maxTries: 1 } });
    await expect(untrusting.getProperties()).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/) });
    await expect(httpsRequest(`${az.blobEndpoint}/${container.containerName}/${blobName}`)).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/),
    });
    // The trusting client authenticated with the fake Entra token (scope of Storage), no account key.
    expect(credential.scopes.length).toBeGreaterThan(0);
    expect(credential.scopes[0]).toEqual(['https://storage.azure.com/.default']);
    expect(blobService.credential).toBe(credential);
  });

  test('the token really is checked: one whose audience is not Storage is refused', async () => {
    const wrong: FakeEntraCredential = new FakeEntraCredential();
    const client = az.blobService({
      getToken: async (s) => {
        const t = await wrong.getToken(s);
        const [h, p, sig] = t.token.split('.');
        const payload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), aud: 'https://management.azure.com/' };
        return { ...t, token: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}` };
      },
    });
    await expect(client.getUserDelegationKey(new Date(Date.now() - 60_000), new Date(Date.now() + 3_600_000))).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthenticationFailed',
    });
  });

  test('a signed URL reads the blob over HTTPS with the content type it was signed with', async () => {
    const signer = new UserDelegationSasSigner(blobService, container.containerName);
    const now = new Date();
    const ttl = 600;
    const url = await signer.readUrl(blobName, contentType, ttl, now);

    const q = new URL(url).searchParams;
    expect(url.startsWith(`${az.blobEndpoint}/${container.containerName}/${blobName}?`)).toBe(true);
    expect(q.get('sv')).toBe(sasVersion);
    expect(q.get('sp')).toBe('r');
    expect(q.get('sr')).toBe('b');
    expect(q.get('spr')).toBe('https');
    expect(q.get('rsct')).toBe(contentType);
    expect(q.get('skoid')).toBe(credential.claims.oid);
    expect(q.get('sktid')).toBe(credential.claims.tid);
    expect(q.get('sks')).toBe('b');
    expect(q.get('skv')).toBeTruthy();
    expect(q.get('sig')).toBeTruthy();
    // Times are second-precision: start 5 minutes back for clock skew, expiry now + ttl.
    expect(Math.abs(Date.parse(q.get('st')!) - (now.getTime() - clockSkewMs))).toBeLessThan(1000);
    expect(Math.abs(Date.parse(q.get('se')!) - (now.getTime() + ttl * 1000))).toBeLessThan(1000);
    // The key covers the SAS: it starts no later than the SAS and ends after it.
    expect(Date.parse(q.get('skt')!)).toBeLessThanOrEqual(Date.parse(q.get('st')!));
    expect(Date.parse(q.get('ske')!)).toBeGreaterThan(Date.parse(q.get('se')!));

    const res = await httpsRequest(url, { ca: az.cert.cert });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(contentType);
    expect(res.body.toString('utf8')).toBe(report);
  });

  test('an altered signature, an expired SAS, another blob and a write are refused with 403', async () => {
    const signer = new UserDelegationSasSigner(blobService, container.containerName);
    const url = await signer.readUrl(blobName, contentType, 600);
    // Control: the unaltered URL works, so the 403s below come from what was changed.
    expect((await httpsRequest(url, { ca: az.cert.cert })).status).toBe(200);

    const altered = await httpsRequest(alteredSignature(url), { ca: az.cert.cert });
    expect(altered.status).toBe(403);
    expect(altered.body.toString()).not.toContain(report);

    // Signed two hours ago with a 10-minute lifetime: `se` has passed (the key itself is still valid).
    const past = new Date(Date.now() - 2 * 3600 * 1000);
    const expiredUrl = await signer.readUrl(blobName, contentType, 600, past);
    expect(Date.parse(new URL(expiredUrl).searchParams.get('se')!)).toBeLessThan(Date.now());
    expect(Date.parse(new URL(expiredUrl).searchParams.get('ske')!)).toBeGreaterThan(Date.now());
    const expired = await httpsRequest(expiredUrl, { ca: az.cert.cert });
    expect(expired.status).toBe(403);
    expect(expired.body.toString()).toMatch(/AuthorizationFailure/);

    const other = await httpsRequest(sasOnOtherBlob(url, blobName, otherBlobName), { ca: az.cert.cert });
    expect(other.status).toBe(403);
    expect(other.body.toString()).not.toContain('secret');

    const write = await httpsRequest(url, {
      ca: az.cert.cert,
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'text/plain' },
      body: 'overwritten',
    });
    expect(write.status).toBe(403);
    const after = await httpsRequest(url, { ca: az.cert.cert });
    expect(after.body.toString('utf8')).toBe(report);
  });

  test('the user delegation key is requested once, also by concurrent callers, and reused', async () => {
    const client = az.blobService(new FakeEntraCredential());
    const { spy, requests } = spyOnKeyRequests(client);
    const signer = new UserDelegationSasSigner(client, container.containerName);
    const now = new Date();
    const urls = await Promise.all(Array.from({ length: 5 }, () => signer.readUrl(blobName, contentType, 600, now)));
    expect(spy).toHaveBeenCalledTimes(1);
    await signer.readUrl(blobName, contentType, 600, new Date(now.getTime() + 60 * 60 * 1000));
    expect(spy).toHaveBeenCalledTimes(1);
    // Default key lifetime: 1 day from `now`, starting 5 minutes back.
    const { startsOn, expiresOn } = requests()[0]!;
    expect(startsOn.getTime()).toBe(now.getTime() - clockSkewMs);
    expect(expiresOn.getTime()).toBe(now.getTime() + 24 * 3600 * 1000);
    // All URLs signed with the cached key work.
    for (const url of new Set(urls)) expect((await httpsRequest(url, { ca: az.cert.cert })).status).toBe(200);
  });

  test('the key is renewed once it would expire before a new SAS (plus the clock-skew margin) does', async () => {
    const client = az.blobService(new FakeEntraCredential());
    const { spy, requests } = spyOnKeyRequests(client);
    // A 1-second key lifetime is raised to ttl + 2 × skew = 70 minutes for a 1-hour SAS.
    const signer = new UserDelegationSasSigner(client, container.containerName, 1000);
    const ttl = 3600;
    const base = new Date(Date.now() - 8 * 60 * 1000); // in the past, so every URL below is already valid
    const first = await signer.readUrl(blobName, contentType, ttl, base);
    expect(spy).toHaveBeenCalledTimes(1);
    const k0 = requests()[0]!;
    expect(k0.expiresOn.getTime() - k0.startsOn.getTime()).toBe(ttl * 1000 + 3 * clockSkewMs);
    const keyExpiry = k0.expiresOn.getTime();

    // 4 minutes later a SAS (+ skew margin) ends at base + 69 min, before the key (base + 70 min): cached.
    const later = await signer.readUrl(blobName, contentType, ttl, new Date(base.getTime() + 4 * 60 * 1000));
    expect(spy).toHaveBeenCalledTimes(1);
    expect(new URL(later).searchParams.get('ske')).toBe(new URL(first).searchParams.get('ske'));

    // 6 minutes later it would end at base + 71 min, after the key: a new key is requested.
    const renewedAt = new Date(base.getTime() + 6 * 60 * 1000);
    const renewed = await signer.readUrl(blobName, contentType, ttl, renewedAt);
    expect(spy).toHaveBeenCalledTimes(2);
    const k1 = requests()[1]!;
    expect(k1.startsOn.getTime()).toBe(renewedAt.getTime() - clockSkewMs);
    expect(k1.expiresOn.getTime()).toBeGreaterThan(keyExpiry);
    expect(new URL(renewed).searchParams.get('ske')).not.toBe(new URL(first).searchParams.get('ske'));

    for (const url of [first, later, renewed]) {
      const res = await httpsRequest(url, { ca: az.cert.cert });
      expect(res.status).toBe(200);
      expect(res.body.toString('utf8')).toBe(report);
    }
  });

  test('a failed key request is not cached: the next call asks again', async () => {
    const client = az.blobService(new FakeEntraCredential());
    const spy = jest
      .spyOn(client, 'getUserDelegationKey')
      .mockRejectedValueOnce(Object.assign(new Error('throttled'), { statusCode: 503 }));
    const signer = new UserDelegationSasSigner(client, container.containerName);
    await expect(signer.readUrl(blobName, contentType, 600)).rejects.toThrow('throttled');
    const url = await signer.readUrl(blobName, contentType, 600);
    expect(spy).toHaveBeenCalledTimes(2);
    expect((await httpsRequest(url, { ca: az.cert.cert })).status).toBe(200);
  });
});

describe("account key SAS (the run's Azurite, plain HTTP)", () => {
  let blobService: BlobServiceClient;
  let container: ContainerClient;
  let signer: AccountKeySasSigner;
  const blobA = 'job-a/result-1';
  const blobB = 'job-b/result-1';

  beforeAll(async () => {
    blobService = BlobServiceClient.fromConnectionString(storageConnectionString());
    const key = blobService.credential;
    if (!(key instanceof StorageSharedKeyCredential)) throw new Error('expected a key connection string');
    container = blobService.getContainerClient(uniqueName('sas'));
    await container.create();
    await container.getBlockBlobClient(blobA).upload(report, Buffer.byteLength(report));
    await container.getBlockBlobClient(blobB).upload(otherBody, Buffer.byteLength(otherBody));
    signer = new AccountKeySasSigner(blobService, container.containerName, key);
  });
  afterAll(async () => {
    await container?.deleteIfExists();
  });

  test('the signed URL reads the blob with the signed content type; read-only, one blob, short-lived', async () => {
    const now = new Date();
    const url = await signer.readUrl(blobA, contentType, 600, now);
    const q = new URL(url).searchParams;
    expect(url.startsWith(`http://127.0.0.1:`)).toBe(true);
    expect(new URL(url).pathname).toBe(`/${devAccount.name}/${container.containerName}/${blobA}`);
    expect(q.get('sp')).toBe('r');
    expect(q.get('sr')).toBe('b');
    expect(q.get('sv')).toBe(sasVersion);
    // Plain HTTP endpoint (Azurite): HTTPS-only would make the URL unusable locally.
    expect(q.get('spr')).toBe('https,http');
    expect(q.get('skoid')).toBeNull();
    expect(Math.abs(Date.parse(q.get('st')!) - (now.getTime() - clockSkewMs))).toBeLessThan(1000);
    expect(Math.abs(Date.parse(q.get('se')!) - (now.getTime() + 600_000))).toBeLessThan(1000);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(contentType);
    expect(await res.text()).toBe(report);
  });

  test('a PUT or DELETE with the SAS is refused (403) and leaves the blob unchanged', async () => {
    const url = await signer.readUrl(blobA, contentType, 600);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'text/plain' },
      body: 'overwritten',
    });
    expect(put.status).toBe(403);
    const del = await fetch(url, { method: 'DELETE' });
    expect(del.status).toBe(403);
    expect(await (await fetch(url)).text()).toBe(report);
  });

  test('an altered signature is refused (403)', async () => {
    const url = await signer.readUrl(blobA, contentType, 600);
    expect((await fetch(url)).status).toBe(200);
    const res = await fetch(alteredSignature(url));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AuthorizationFailure/);
  });

  test('an altered permission or expiry is refused (403): they are covered by the signature', async () => {
    const url = await signer.readUrl(blobA, contentType, 600);
    expect((await fetch(withParam(url, 'sp', 'rw'))).status).toBe(403);
    const later = new Date(Date.parse(new URL(url).searchParams.get('se')!) + 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect((await fetch(withParam(url, 'se', later))).status).toBe(403);
  });

  test('an expired SAS is refused (403)', async () => {
    const url = await signer.readUrl(blobA, contentType, 600, new Date(Date.now() - 3600 * 1000));
    expect(Date.parse(new URL(url).searchParams.get('se')!)).toBeLessThan(Date.now());
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/AuthorizationFailure/);
  });

  test('a SAS for blob A cannot read blob B', async () => {
    const urlA = await signer.readUrl(blobA, contentType, 600);
    const onB = sasOnOtherBlob(urlA, blobA, blobB);
    expect(new URL(onB).pathname.endsWith(`/${blobB}`)).toBe(true);
    const res = await fetch(onB);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('secret');
    // The SAS signed for B does read B.
    expect(await (await fetch(await signer.readUrl(blobB, 'text/csv', 600))).text()).toBe(otherBody);
  });
});
