"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createServices = createServices;
exports.services = services;
const config_1 = require("./core/config");
const jobQueue_1 = require("./core/jobs/jobQueue");
const jobReconciler_1 = require("./core/jobs/jobReconciler");
const jobRunner_1 = require("./core/jobs/jobRunner");
const jobService_1 = require("./core/jobs/jobService");
const jobStore_1 = require("./core/jobs/jobStore");
const sas_1 = require("./core/sas");
const storage_1 = require("./core/storage");
/**
 * Builds the services. The SAS signer is chosen from the connection: the account key when the
 * connection string has one (Azurite), otherwise a user delegation key from the managed identity.
 */
function createServices(config = (0, config_1.loadConfig)()) {
    const clients = (0, storage_1.createStorageClients)(config);
    const store = new jobStore_1.JobStore(clients.blobService, config.containerName);
    const queue = new jobQueue_1.JobQueue(clients.queueService, config.queueName, config.poisonQueueName);
    const signer = clients.sharedKey
        ? new sas_1.AccountKeySasSigner(clients.blobService, config.containerName, clients.sharedKey)
        : new sas_1.UserDelegationSasSigner(clients.blobService, config.containerName);
    let readiness;
    return {
        config,
        store,
        queue,
        jobs: new jobService_1.JobService(store, queue, config),
        runner: new jobRunner_1.JobRunner(store, config),
        reconciler: new jobReconciler_1.JobReconciler(store, queue, config),
        signer,
        results: {
            url: (r) => signer.readUrl(r.blobName, r.contentType, config.resultSasTtlSeconds),
            open: (r) => store.openBlob(r.blobName),
        },
        ready() {
            readiness ??= Promise.all([store.ensureContainer(), queue.ensureQueues()]).then(() => undefined, (err) => {
                readiness = undefined;
                throw err;
            });
            return readiness;
        },
    };
}
let instance;
/** The process-wide services, created on first use (configuration errors surface then). */
function services() {
    instance ??= createServices();
    return instance;
}
//# sourceMappingURL=services.js.map