import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { callerOf } from '../http/caller';
import { errorResponse, statusAcceptedResponse } from '../http/jobResponses';
import { logFailure } from '../http/logging';
import { defaultStatusOptions } from '../http/statusOptions';
import { jobUrls, publicOrigin } from '../http/urls';
import { services } from '../services';

/**
 * `POST /api/jobs/{id}/cancel`: 202 + status document. A NotStarted job is Canceled at once; a
 * Running one is signalled and ends Canceled at the processor's next check. 409 when finished.
 */
export async function cancelJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const s = services();
    const { job } = await s.jobs.cancel(request.params.id ?? '', callerOf(request));
    const urls = jobUrls(publicOrigin(request, s.config), job.id, defaultStatusOptions);
    return statusAcceptedResponse(job, urls, s.config.retryAfterSeconds);
  } catch (err) {
    logFailure(context, 'Cancel', err);
    return errorResponse(err);
  }
}

app.http('cancelJob', {
  methods: ['POST'],
  route: 'jobs/{id}/cancel',
  authLevel: 'anonymous',
  handler: cancelJob,
});
