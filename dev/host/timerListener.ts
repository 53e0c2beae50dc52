import { CronExpressionParser } from 'cron-parser';

import type { CoreApi, Registration } from './coreApi';

/** A running timer schedule. */
export interface TimerListener {
  /** Stops scheduling and waits for a running invocation to finish. */
  stop(): Promise<void>;
}

/**
 * Runs a timer-triggered function on its NCRONTAB schedule (six fields, seconds first, as the
 * Functions timer trigger uses; https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions),
 * in UTC, one invocation at a time (a late tick is skipped, not queued), with `runOnStartup`.
 * The function receives the timer object the host sends (`schedule`, `scheduleStatus`, `isPastDue`).
 * @throws when the schedule is not a valid six-field expression
 */
export function startTimerListener(core: CoreApi, reg: Registration, schedule: string, log: (m: string) => void): TimerListener {
  if (schedule.trim().split(/\s+/).length !== 6)
    throw new Error(`Timer schedule '${schedule}' of '${reg.metadata.name}' must have six fields (seconds first).`);
  const cron = CronExpressionParser.parse(schedule, { tz: 'UTC' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let last: Date | undefined;

  const fire = (due: Date) => {
    if (running) return;
    const next = cron.next().toDate();
    const input = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: { Last: (last ?? due).toISOString(), Next: next.toISOString(), LastUpdated: new Date().toISOString() },
      IsPastDue: Date.now() - due.getTime() > 1000,
    };
    last = due;
    running = core
      .invokeWithId(reg, crypto.randomUUID(), [{ name: reg.triggerName, data: { json: JSON.stringify(input) } }], {})
      .then(() => undefined)
      .catch((err: unknown) => log(`Executed '${reg.metadata.name}' (Failed): ${(err as Error)?.message ?? String(err)}`))
      .finally(() => {
        running = undefined;
      });
    armTimer(next);
  };
  const armTimer = (at: Date) => {
    if (stopped) return;
    timer = setTimeout(() => fire(at), Math.max(0, at.getTime() - Date.now()));
  };
  if (reg.trigger.runOnStartup === true) fire(new Date());
  else armTimer(cron.next().toDate());
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
