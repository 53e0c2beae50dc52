import { app } from '@azure/functions';

import { defaultStatusOptions, jobRoutes, jobUrls } from '../contract/http';
import { callerOf } from '../http/caller';
import { type HttpHandler, lazyHttpHandler, withProblemResponses } from '../http/handler';
import { statusAcceptedResponse } from '../http/jobResponses';
import { publicApiBase } from '../http/urls';
import { type Services, services } from '../services';

/**
 * `POST /api/jobs/{id}/cancel`: 202 + status document. A NotStarted job is Canceled at once; a
 * Running one is signalled and ends Canceled at the processor's next check. 409 when finished.
 */
export function createCancelJob({ jobs, config }: Pick<Services, 'jobs' | 'config'>): HttpHandler {
  return withProblemResponses('Cancel', config, async (request) => {
    const { job } = await jobs.cancel(request.params.id ?? '', callerOf(request));
    const urls = jobUrls(publicApiBase(request, config), job.id, defaultStatusOptions);
    return statusAcceptedResponse(job, urls, config.retryAfterSeconds);
  });
}

/** The registered handler: {@link createCancelJob} over the process-wide services, built on the first request. */
export const cancelJob = lazyHttpHandler('Cancel', () => createCancelJob(services()));

app.http('cancelJob', {
  methods: ['POST'],
  route: jobRoutes.cancel,
  authLevel: 'anonymous',
  handler: cancelJob,
});
