import { app, type InvocationContext } from '@azure/functions';

import { parseJobMessage } from '../core/jobs/messageCodec';
import { lazyHandler, type Services, services } from '../services';

/**
 * Queue trigger on `%JOBS_QUEUE_NAME%`: runs one job. Returning acknowledges the message; throwing
 * makes the queue retry it (host.json `visibilityTimeout`), and after `maxDequeueCount` failures the
 * host moves it to `<queue>-poison`, where `failPoisonedJob` marks the job Failed.
 */
export function createProcessJob({ runner }: Pick<Services, 'runner'>): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, context) => {
    const job = parseJobMessage(message);
    const dequeueCount = context.triggerMetadata?.dequeueCount;
    context.info(`Processing job ${job.jobId} (${job.type}), delivery ${typeof dequeueCount === 'number' ? dequeueCount : '?'}.`);
    const outcome = await runner.run(job, context);
    context.info(`Job ${job.jobId}: ${outcome}.`);
  };
}

/** The registered handler: {@link createProcessJob} over the process-wide services, built on the first message. */
export const processJob = lazyHandler(() => createProcessJob(services()));

app.storageQueue('processJob', {
  queueName: '%JOBS_QUEUE_NAME%',
  connection: 'AzureWebJobsStorage',
  handler: processJob,
});
