import { app } from '@azure/functions';

import { jobRoutes, jobUrls } from '../contract/http';
import { statusOptionsSchema } from '../contract/schemas';
import { fieldErrors } from '../core/jobs/jobService';
import { ProblemError } from '../core/problem';
import { callerOf } from '../http/caller';
import { type HttpHandler, lazyHttpHandler, withProblemResponses } from '../http/handler';
import { retryAfterSeconds, statusResponse } from '../http/jobResponses';
import { publicApiBase } from '../http/urls';
import { type Services, services } from '../services';

/**
 * `GET /api/jobs/{id}`: the status URL, and with `?onComplete=status` the status monitor. One blob
 * read per poll; answers per `onPending` / `onComplete` (see `statusResponse`): progress with
 * `Retry-After` while pending, a redirect to a read-only SAS URL (or the result, or the document) when
 * Succeeded, the persisted problem when Failed or Canceled, 404 for an unknown id.
 */
export function createGetJobStatus({ jobs, config, results }: Pick<Services, 'jobs' | 'config' | 'results'>): HttpHandler {
  return withProblemResponses('Status', config, async (request) => {
    const options = statusOptionsSchema.safeParse(Object.fromEntries(request.query));
    if (!options.success) throw new ProblemError(400, 'Invalid status options.', { errors: fieldErrors(options.error, 'query') });
    const { job } = await jobs.get(request.params.id ?? '', callerOf(request));
    const urls = jobUrls(publicApiBase(request, config), job.id, options.data);
    return statusResponse(job, options.data, urls, retryAfterSeconds(job, new Date(), config), results);
  });
}

/** The registered handler: {@link createGetJobStatus} over the process-wide services, built on the first request. */
export const getJobStatus = lazyHttpHandler('Status', () => createGetJobStatus(services()));

app.http('getJobStatus', {
  methods: ['GET'],
  route: jobRoutes.job,
  authLevel: 'anonymous',
  handler: getJobStatus,
});
