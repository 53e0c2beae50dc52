import { type AppConfig, loadConfig } from './core/config';
import { JobQueue } from './core/jobs/jobQueue';
import { JobReconciler } from './core/jobs/jobReconciler';
import { JobRunner } from './core/jobs/jobRunner';
import { JobService } from './core/jobs/jobService';
import { JobStore } from './core/jobs/jobStore';
import { AccountKeySasSigner, type ResultUrlSigner, UserDelegationSasSigner } from './core/sas';
import { createStorageClients } from './core/storage';
import type { ResultAccess } from './http/jobResponses';

/** The composition root: one set of services per process, built from the configuration. */
export interface Services {
  config: AppConfig;
  store: JobStore;
  queue: JobQueue;
  jobs: JobService;
  runner: JobRunner;
  reconciler: JobReconciler;
  signer: ResultUrlSigner;
  results: ResultAccess;
  /** Creates the container and queues when missing (once per process). */
  ready(): Promise<void>;
}

/**
 * Builds the services. The SAS signer is chosen from the connection: the account key when the
 * connection string has one (Azurite), otherwise a user delegation key from the managed identity.
 */
export function createServices(config: AppConfig = loadConfig()): Services {
  const clients = createStorageClients(config);
  const store = new JobStore(clients.blobService, config.containerName);
  const queue = new JobQueue(clients.queueService, config.queueName, config.poisonQueueName);
  const signer: ResultUrlSigner = clients.sharedKey
    ? new AccountKeySasSigner(clients.blobService, config.containerName, clients.sharedKey)
    : new UserDelegationSasSigner(clients.blobService, config.containerName);
  let readiness: Promise<void> | undefined;
  return {
    config,
    store,
    queue,
    jobs: new JobService(store, queue, config),
    runner: new JobRunner(store, config),
    reconciler: new JobReconciler(store, queue, config),
    signer,
    results: {
      url: (r) => signer.readUrl(r.blobName, r.contentType, config.resultSasTtlSeconds),
      open: (r) => store.blobs.openResult(r.blobName),
    },
    ready() {
      readiness ??= Promise.all([store.ensureContainer(), queue.ensureQueues()]).then(
        () => undefined,
        (err: unknown) => {
          readiness = undefined;
          throw err;
        },
      );
      return readiness;
    },
  };
}

let instance: Services | undefined;

/**
 * The process-wide services, created on first use (configuration errors surface then). Only the
 * registrations in src/functions/ call it, through their lazily built default handlers; everything
 * else receives its services (handler factories, tests: `createServices(loadConfig(settings))`).
 */
export function services(): Services {
  instance ??= createServices();
  return instance;
}

/**
 * A handler built by `build` on its first call, then reused: the registered default of a trigger
 * function, e.g. `lazyHandler(() => createProcessJob(services()))`, so that loading the function file
 * reads no setting. A failed build throws from that call (the host logs it and, for a queue message,
 * retries it) and is tried again on the next one.
 */
export function lazyHandler<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
  let handler: ((...args: A) => R) | undefined;
  return (...args) => {
    handler ??= build();
    return handler(...args);
  };
}
