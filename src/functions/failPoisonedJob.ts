import { app, type InvocationContext } from '@azure/functions';

import { InvalidMessageError, parseJobMessage } from '../core/jobs/messageCodec';
import { lazyHandler, type Services, services } from '../services';

/**
 * Queue trigger on `%JOBS_QUEUE_NAME%-poison`: a job whose message kept failing is marked Failed with
 * the reason (attempt count, last error), so clients stop polling. A message that is not a job
 * message is logged (its size only) and dropped.
 */
export function createFailPoisonedJob({
  runner,
}: Pick<Services, 'runner'>): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, context) => {
    let jobId: string;
    let type: string;
    try {
      ({ jobId, type } = parseJobMessage(message));
    } catch (err) {
      if (err instanceof InvalidMessageError) {
        context.warn(`Dropping a poison message that is not a job message (${JSON.stringify(message)?.length ?? 0} chars): ${err.message}`);
        return;
      }
      throw err;
    }
    const outcome = await runner.failPoisoned(jobId, type);
    context.warn(`Poisoned job ${jobId}: ${outcome === 'failed' ? 'marked Failed' : 'already finished'}.`);
  };
}

/** The registered handler: {@link createFailPoisonedJob} over the process-wide services, built on the first message. */
export const failPoisonedJob = lazyHandler(() => createFailPoisonedJob(services()));

app.storageQueue('failPoisonedJob', {
  queueName: '%JOBS_QUEUE_NAME%-poison',
  connection: 'AzureWebJobsStorage',
  handler: failPoisonedJob,
});
