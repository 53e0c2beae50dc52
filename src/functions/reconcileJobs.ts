import { app, type InvocationContext, type Timer } from '@azure/functions';

import { lazyHandler, type Services, services } from '../services';

/**
 * Timer trigger (every 30 s): ends jobs that no message or worker will move any more (see
 * `JobReconciler`): re-enqueues stuck ones and fails them after 3 re-enqueues. A pass reads only the
 * index of unfinished jobs (a blob index tag on their records). The timer trigger runs
 * one instance at a time across the app (singleton lock), and every write is conditional anyway.
 */
export function createReconcileJobs(
  s: Pick<Services, 'reconciler' | 'ready'>,
): (timer: Timer, context: InvocationContext) => Promise<void> {
  return async (_timer, context) => {
    await s.ready();
    const r = await s.reconciler.run();
    if (r.requeued.length + r.failed.length > 0) {
      context.warn(`Reconciler: checked ${r.checked}; re-enqueued ${JSON.stringify(r.requeued)}; failed ${JSON.stringify(r.failed)}.`);
    }
  };
}

/** The registered handler: {@link createReconcileJobs} over the process-wide services, built on the first run. */
export const reconcileJobs = lazyHandler(() => createReconcileJobs(services()));

app.timer('reconcileJobs', {
  schedule: '*/30 * * * * *',
  handler: reconcileJobs,
});
