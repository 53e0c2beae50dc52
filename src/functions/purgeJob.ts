import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';

import { callerOf } from '../http/caller';
import { errorResponse } from '../http/jobResponses';
import { logFailure } from '../http/logging';
import { services } from '../services';

/** `DELETE /api/jobs/{id}`: cancels the job if needed, deletes everything stored for it, 204. */
export async function purgeJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    await services().jobs.purge(request.params.id ?? '', callerOf(request));
    return { status: 204 };
  } catch (err) {
    logFailure(context, 'Purge', err);
    return errorResponse(err);
  }
}

app.http('purgeJob', {
  methods: ['DELETE'],
  route: 'jobs/{id}',
  authLevel: 'anonymous',
  handler: purgeJob,
});
