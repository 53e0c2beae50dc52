"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.failPoisonedJob = failPoisonedJob;
const functions_1 = require("@azure/functions");
const messageCodec_1 = require("../core/jobs/messageCodec");
const services_1 = require("../services");
/**
 * Queue trigger on `%JOBS_QUEUE_NAME%-poison`: a job whose message kept failing is marked Failed with
 * the reason (attempt count, last error), so clients stop polling. A message that is not a job
 * message is logged (its size only) and dropped.
 */
async function failPoisonedJob(message, context) {
    let jobId;
    let type;
    try {
        ({ jobId, type } = (0, messageCodec_1.parseJobMessage)(message));
    }
    catch (err) {
        if (err instanceof messageCodec_1.InvalidMessageError) {
            context.warn(`Dropping a poison message that is not a job message (${JSON.stringify(message)?.length ?? 0} chars): ${err.message}`);
            return;
        }
        throw err;
    }
    const outcome = await (0, services_1.services)().runner.failPoisoned(jobId, type);
    context.warn(`Poisoned job ${jobId}: ${outcome === 'failed' ? 'marked Failed' : 'already finished'}.`);
}
functions_1.app.storageQueue('failPoisonedJob', {
    queueName: '%JOBS_QUEUE_NAME%-poison',
    connection: 'AzureWebJobsStorage',
    handler: failPoisonedJob,
});
//# sourceMappingURL=failPoisonedJob.js.map