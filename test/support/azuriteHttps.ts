import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequestRaw } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { BlobServiceClient, type StoragePipelineOptions } from '@azure/storage-blob';

import { type Azurite, devAccount, startAzurite } from '../../dev/host/azurite';

/**
 * A second Azurite for the user delegation SAS path: HTTPS with a self-signed certificate made at
 * test time, and `--oauth basic`, so that it accepts bearer tokens and hands out user delegation
 * keys (Azurite only does so over HTTPS; it decodes the JWT and checks `nbf`/`exp`/`iat`, the
 * issuer prefix and the audience, but never the signature: see
 * `node_modules/azurite/dist/src/blob/authentication/BlobTokenAuthenticator.js`).
 *
 * Trust is scoped: nothing global (`NODE_TLS_REJECT_UNAUTHORIZED`, `NODE_EXTRA_CA_CERTS`) is
 * touched. The SDK clients get the certificate through the core pipeline's `tlsOptions` (read by
 * `createPipelineFromOptions` in `@azure/core-rest-pipeline`, which adds its `tlsPolicy`; the
 * storage SDK passes unknown pipeline options through), and plain requests go through
 * {@link httpsRequest} with `ca`.
 */

/** A self-signed certificate for `127.0.0.1` and `localhost` (PEM files in a temp folder). */
export interface SelfSignedCert {
  dir: string;
  certPath: string;
  keyPath: string;
  /** The certificate (PEM): trust it as a CA. */
  cert: Buffer;
}

/**
 * Generates a 1-day self-signed certificate with `openssl` (OpenSSL 1.1.1+ for `-addext`).
 * @throws when `openssl` is not on the PATH (the message says so)
 */
export function generateSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'azurite-https-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '1',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('openssl is not installed: it is needed to make the test certificate for the HTTPS Azurite', { cause: err });
    throw new Error(`openssl failed: ${e.stderr?.toString() ?? e.message}`, { cause: err });
  }
  return { dir, certPath, keyPath, cert: readFileSync(certPath) };
}

/** Claims of the fake Microsoft Entra token. */
export interface FakeTokenClaims {
  oid: string;
  tid: string;
  /** Token lifetime in seconds (default 1 hour). */
  lifetimeSeconds?: number;
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * An unsigned-in-spirit JWT shaped like a Microsoft Entra access token for Storage: header and
 * payload base64url, a dummy signature. Azurite decodes it without verifying the signature.
 */
export function fakeEntraToken(claims: FakeTokenClaims, now = Date.now()): { token: string; expiresOnTimestamp: number } {
  const iat = Math.floor(now / 1000) - 60;
  const exp = iat + 60 + (claims.lifetimeSeconds ?? 3600);
  const payload = {
    aud: 'https://storage.azure.com',
    iss: `https://sts.windows.net/${claims.tid}/`,
    iat,
    nbf: iat,
    exp,
    oid: claims.oid,
    tid: claims.tid,
    sub: claims.oid,
    appid: randomUUID(),
    ver: '1.0',
  };
  return {
    token: `${b64url({ typ: 'JWT', alg: 'RS256', kid: 'test' })}.${b64url(payload)}.${Buffer.from('not-a-signature').toString('base64url')}`,
    expiresOnTimestamp: exp * 1000,
  };
}

/** A {@link TokenCredential} that returns {@link fakeEntraToken}s and records the scopes asked for. */
export class FakeEntraCredential implements TokenCredential {
  readonly scopes: string[][] = [];
  constructor(readonly claims: FakeTokenClaims = { oid: randomUUID(), tid: randomUUID() }) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- TokenCredential.getToken is async
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    this.scopes.push(Array.isArray(scopes) ? scopes : [scopes]);
    return fakeEntraToken(this.claims);
  }
}

/** Storage pipeline options plus the core pipeline's `tlsOptions` (not declared by the storage SDK's type). */
export type TlsStoragePipelineOptions = StoragePipelineOptions & { tlsOptions?: { ca?: Buffer | string } };

/** Pipeline options that make one SDK client trust `ca` (and only that client). */
export function trustingPipelineOptions(ca: Buffer, extra: StoragePipelineOptions = {}): TlsStoragePipelineOptions {
  return { retryOptions: { maxTries: 1 }, ...extra, tlsOptions: { ca } };
}

/** A plain HTTPS answer. */
export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTPS request with `node:https`, trusting `ca` (no redirect following, no global state). */
export function httpsRequest(
  url: string,
  opts: { ca?: Buffer; method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequestRaw(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, ...(opts.ca ? { ca: opts.ca } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The HTTPS + OAuth Azurite of a test. */
export interface HttpsAzurite {
  azurite: Azurite;
  cert: SelfSignedCert;
  /** `https://127.0.0.1:<port>/devstoreaccount1` */
  blobEndpoint: string;
  /** A Blob service client over HTTPS with a bearer token credential (no account key), trusting the certificate. */
  blobService(credential?: TokenCredential, options?: StoragePipelineOptions): BlobServiceClient;
  /** Stops Azurite and deletes the certificate folder. */
  stop(): Promise<void>;
}

/**
 * Starts a second, in-memory Azurite on free ports with HTTPS (`--cert`/`--key`, a fresh
 * self-signed certificate) and `--oauth basic`.
 */
export async function startHttpsAzurite(): Promise<HttpsAzurite> {
  const cert = generateSelfSignedCert();
  let azurite: Azurite;
  try {
    azurite = await startAzurite({
      blobPort: 0,
      queuePort: 0,
      tablePort: 0,
      inMemory: true,
      extraArgs: ['--oauth', 'basic', '--cert', cert.certPath, '--key', cert.keyPath],
    });
  } catch (err) {
    rmSync(cert.dir, { recursive: true, force: true });
    throw err;
  }
  const blobEndpoint = `https://127.0.0.1:${azurite.blobPort}/${devAccount.name}`;
  return {
    azurite,
    cert,
    blobEndpoint,
    blobService: (credential = new FakeEntraCredential(), options = {}) =>
      new BlobServiceClient(blobEndpoint, credential, trustingPipelineOptions(cert.cert, options)),
    async stop() {
      await azurite.stop();
      rmSync(cert.dir, { recursive: true, force: true });
    },
  };
}
