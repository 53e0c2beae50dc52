import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { fieldErrors } from '../core/jobs/jobService';
import { ProblemError } from '../core/problem';
import { callerOf } from '../http/caller';
import { errorResponse, retryAfterSeconds, statusResponse } from '../http/jobResponses';
import { logFailure } from '../http/logging';
import { statusOptionsSchema } from '../http/statusOptions';
import { jobUrls, publicOrigin } from '../http/urls';
import { services } from '../services';

/**
 * `GET /api/jobs/{id}`: the status monitor. One blob read per poll; answers per `onPending` /
 * `onComplete` (see `statusResponse`): progress with `Retry-After` while pending, a redirect to a
 * read-only SAS URL (or the result, or the document) when Succeeded, the persisted problem when
 * Failed or Canceled, 404 for an unknown id.
 */
export async function getJobStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const s = services();
    const options = statusOptionsSchema.safeParse(Object.fromEntries(request.query));
    if (!options.success) throw new ProblemError(400, 'Invalid status options.', { errors: fieldErrors(options.error, 'query') });
    const { job } = await s.jobs.get(request.params.id ?? '', callerOf(request));
    const urls = jobUrls(publicOrigin(request, s.config), job.id, options.data);
    return await statusResponse(job, options.data, urls, retryAfterSeconds(job, new Date(), s.config), s.results);
  } catch (err) {
    logFailure(context, 'Status', err);
    return errorResponse(err);
  }
}

app.http('getJobStatus', {
  methods: ['GET'],
  route: 'jobs/{id}',
  authLevel: 'anonymous',
  handler: getJobStatus,
});
