import { app } from '@azure/functions';

import { jobRoutes } from '../contract/http';
import { callerOf } from '../http/caller';
import { type HttpHandler, lazyHttpHandler, withProblemResponses } from '../http/handler';
import { type Services, services } from '../services';

/** `DELETE /api/jobs/{id}`: cancels the job if needed, deletes everything stored for it, 204. */
export function createPurgeJob({ jobs, config }: Pick<Services, 'jobs' | 'config'>): HttpHandler {
  return withProblemResponses('Purge', config, async (request) => {
    await jobs.purge(request.params.id ?? '', callerOf(request));
    return { status: 204 };
  });
}

/** The registered handler: {@link createPurgeJob} over the process-wide services, built on the first request. */
export const purgeJob = lazyHttpHandler('Purge', () => createPurgeJob(services()));

app.http('purgeJob', {
  methods: ['DELETE'],
  route: jobRoutes.job,
  authLevel: 'anonymous',
  handler: purgeJob,
});
