#!/usr/bin/env node
/**
 * azd `postprovision` hook: waits, bounded, until the storage account accepts data-plane requests
 * under the role assignments `azd provision` just created, so the first `azd up` does not fail the
 * upload of the deployment package with 403 / InaccessibleStorageException
 * (Azure/azure-functions-core-tools#4346, Azure/azure-dev#8026: role assignments can take minutes to
 * take effect, https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected).
 *
 * Probe: list at most one blob of the deployment container (AZURE_STORAGE_BLOB_ENDPOINT +
 * AZURE_STORAGE_DEPLOYMENT_CONTAINER, outputs of infra/main.bicep) with the deploying principal's
 * azd login (AzureDeveloperCliCredential). That principal (AZURE_PRINCIPAL_ID) is granted Storage Blob
 * Data Owner on the account in the same deployment and at the same scope as the app's identity, which
 * is what the platform uses to write the package; access for one is the available evidence for the
 * other (the app's identity cannot be probed from here). A 403 means "not effective yet": retry.
 *
 * Bounds (the arithmetic): every probe is aborted after PROBE_TIMEOUT_MS = 20 s; probes start
 * INTERVAL_MS = 10 s apart; no probe starts after the deadline, AZURE_STORAGE_ACCESS_TIMEOUT_SECONDS
 * (default 900 s = 15 min, above the few minutes propagation usually takes). So the hook ends within
 * deadline + one probe = 920 s, with exit 1 and the last error when access never came (then run
 * `azd deploy` again later). Nothing to wait for (no AZURE_PRINCIPAL_ID, so no role to probe with, or
 * the outputs are missing): it says so and exits 0.
 */
'use strict';

const PROBE_TIMEOUT_MS = 20_000;
const INTERVAL_MS = 10_000;
const DEFAULT_TIMEOUT_SECONDS = 900;

/** True for errors that mean "the role assignment is not effective yet" (or a transient failure). */
function isRetryable(error) {
  const status = error && typeof error === 'object' ? error.statusCode : undefined;
  if (status === 403 || status === 401) return true;
  if (status === 408 || status === 429 || (typeof status === 'number' && status >= 500)) return true;
  // Network errors (RestError without a status) and our own probe timeout (AbortError); not e.g. a
  // CredentialUnavailableError (azd not logged in), which waiting does not cure.
  const name = error && typeof error === 'object' ? error.name : undefined;
  return status === undefined && (name === 'RestError' || name === 'AbortError');
}

/**
 * Calls `probe(signal)` until it resolves, retrying errors {@link isRetryable} accepts, every
 * `intervalMs`, each attempt aborted after `probeTimeoutMs`; no attempt starts after `deadlineMs`
 * (relative to the first). Resolves with the number of attempts; rejects with the last error when
 * the deadline passes or at once for an error that is not retryable (e.g. 404: wrong container).
 *
 * @param {(signal: AbortSignal) => Promise<unknown>} probe
 * @param {{ deadlineMs: number, intervalMs?: number, probeTimeoutMs?: number,
 *   now?: () => number, sleep?: (ms: number) => Promise<void>, log?: (line: string) => void }} options
 * @returns {Promise<number>}
 */
async function waitForAccess(probe, options) {
  const intervalMs = options.intervalMs ?? INTERVAL_MS;
  const probeTimeoutMs = options.probeTimeoutMs ?? PROBE_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => {});
  const deadline = now() + options.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), probeTimeoutMs);
    try {
      await Promise.race([
        probe(controller.signal),
        new Promise((_, reject) =>
          controller.signal.addEventListener('abort', () =>
            reject(Object.assign(new Error(`probe timed out after ${probeTimeoutMs} ms`), { name: 'AbortError' })),
          ),
        ),
      ]);
      return attempt;
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const left = deadline - now();
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (left <= 0) {
        throw new Error(`storage access not effective after ${attempt} attempts (${options.deadlineMs / 1000} s); last error: ${message}`);
      }
      log(
        `attempt ${attempt}: not yet (${error.statusCode ?? error.name ?? 'error'}: ${message}); next in ${Math.min(intervalMs, left) / 1000} s`,
      );
      await sleep(Math.min(intervalMs, left));
    } finally {
      clearTimeout(timer);
    }
  }
}

async function main() {
  const endpoint = process.env.AZURE_STORAGE_BLOB_ENDPOINT;
  const container = process.env.AZURE_STORAGE_DEPLOYMENT_CONTAINER;
  if (!process.env.AZURE_PRINCIPAL_ID) {
    console.log('waitForStorageAccess: no AZURE_PRINCIPAL_ID, so no role assignment to probe with; not waiting.');
    return 0;
  }
  if (!endpoint || !container) {
    console.log(
      'waitForStorageAccess: AZURE_STORAGE_BLOB_ENDPOINT / AZURE_STORAGE_DEPLOYMENT_CONTAINER not set (provision first); not waiting.',
    );
    return 0;
  }
  const seconds = Number(process.env.AZURE_STORAGE_ACCESS_TIMEOUT_SECONDS ?? DEFAULT_TIMEOUT_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error('AZURE_STORAGE_ACCESS_TIMEOUT_SECONDS must be a number of seconds');
  const { AzureDeveloperCliCredential } = require('@azure/identity');
  const { ContainerClient } = require('@azure/storage-blob');
  const client = new ContainerClient(`${endpoint.replace(/\/?$/, '/')}${container}`, new AzureDeveloperCliCredential(), {
    retryOptions: { maxTries: 1 },
  });
  const started = Date.now();
  console.log(`waitForStorageAccess: probing ${client.url} (up to ${seconds} s)`);
  const attempts = await waitForAccess((abortSignal) => client.listBlobsFlat({ abortSignal }).byPage({ maxPageSize: 1 }).next(), {
    deadlineMs: seconds * 1000,
    log: (line) => console.log(`waitForStorageAccess: ${line}`),
  });
  console.log(`waitForStorageAccess: access effective after ${attempts} attempt(s), ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

module.exports = { waitForAccess, isRetryable, PROBE_TIMEOUT_MS, INTERVAL_MS, DEFAULT_TIMEOUT_SECONDS };

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(
        `waitForStorageAccess: ${error instanceof Error ? error.message : String(error)}\nRun \`azd deploy\` again once the role assignments are effective.`,
      );
      process.exitCode = 1;
    },
  );
}
