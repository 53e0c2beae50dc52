import { app, type InvocationContext, type Timer } from '@azure/functions';

import { services } from '../services';

/**
 * Timer trigger (every 15 minutes): deletes jobs older than `JOBS_RETENTION_DAYS`. Locally this is the
 * retention mechanism; in Azure the storage lifecycle management rule deletes old blobs, and
 * `infra/` disables this function with `AzureWebJobs.sweepExpiredJobs.Disabled`.
 */
export async function sweepExpiredJobs(_timer: Timer, context: InvocationContext): Promise<void> {
  const removed = await services().jobs.sweepExpired();
  if (removed.length > 0) context.info(`Removed ${removed.length} expired job(s).`);
}

app.timer('sweepExpiredJobs', {
  schedule: '0 */15 * * * *',
  handler: sweepExpiredJobs,
});
