import { app, type InvocationContext, type Timer } from '@azure/functions';

import { lazyHandler, type Services, services } from '../services';

/**
 * Timer trigger (every 15 minutes): deletes jobs older than `JOBS_RETENTION_DAYS`. Locally this is the
 * retention mechanism; in Azure the storage lifecycle management rule deletes old blobs, and
 * `infra/` disables this function with `AzureWebJobs.sweepExpiredJobs.Disabled`.
 */
export function createSweepExpiredJobs({ jobs }: Pick<Services, 'jobs'>): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    const removed = await jobs.sweepExpired();
    if (removed.length > 0) context.info(`Removed ${removed.length} expired job(s).`);
  };
}

/** The registered handler: {@link createSweepExpiredJobs} over the process-wide services, built on the first run. */
export const sweepExpiredJobs = lazyHandler(() => createSweepExpiredJobs(services()));

app.timer('sweepExpiredJobs', {
  schedule: '0 */15 * * * *',
  handler: sweepExpiredJobs,
});
