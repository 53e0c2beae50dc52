"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.processJob = processJob;
const functions_1 = require("@azure/functions");
const messageCodec_1 = require("../core/jobs/messageCodec");
const services_1 = require("../services");
/**
 * Queue trigger on `%JOBS_QUEUE_NAME%`: runs one job. Returning acknowledges the message; throwing
 * makes the queue retry it (host.json `visibilityTimeout`), and after `maxDequeueCount` failures the
 * host moves it to `<queue>-poison`, where `failPoisonedJob` marks the job Failed.
 */
async function processJob(message, context) {
    const job = (0, messageCodec_1.parseJobMessage)(message);
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    context.info(`Processing job ${job.jobId} (${job.type}), delivery ${typeof dequeueCount === 'number' ? dequeueCount : '?'}.`);
    const outcome = await (0, services_1.services)().runner.run(job, context);
    context.info(`Job ${job.jobId}: ${outcome}.`);
}
functions_1.app.storageQueue('processJob', {
    queueName: '%JOBS_QUEUE_NAME%',
    connection: 'AzureWebJobsStorage',
    handler: processJob,
});
//# sourceMappingURL=processJob.js.map