"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.startTimerListener = startTimerListener;
const cron_parser_1 = require("cron-parser");
/**
 * Runs a timer-triggered function on its NCRONTAB schedule (six fields, seconds first, as the
 * Functions timer trigger uses; https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions),
 * in UTC, one invocation at a time (a late tick is skipped, not queued), with `runOnStartup`.
 * The function receives the timer object the host sends (`schedule`, `scheduleStatus`, `isPastDue`).
 * @throws when the schedule is not a valid six-field expression
 */
function startTimerListener(core, reg, schedule, log) {
    if (schedule.trim().split(/\s+/).length !== 6)
        throw new Error(`Timer schedule '${schedule}' of '${reg.metadata.name}' must have six fields (seconds first).`);
    const cron = cron_parser_1.CronExpressionParser.parse(schedule, { tz: 'UTC' });
    let timer;
    let running;
    let stopped = false;
    let last;
    const fire = (due) => {
        if (running)
            return;
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
            .catch((err) => log(`Executed '${reg.metadata.name}' (Failed): ${err?.message ?? String(err)}`))
            .finally(() => {
            running = undefined;
        });
        schedule_(next);
    };
    const schedule_ = (at) => {
        if (stopped)
            return;
        timer = setTimeout(() => fire(at), Math.max(0, at.getTime() - Date.now()));
    };
    if (reg.trigger.runOnStartup === true)
        fire(new Date());
    else
        schedule_(cron.next().toDate());
    return {
        async stop() {
            stopped = true;
            clearTimeout(timer);
            await running;
        },
    };
}
//# sourceMappingURL=timerListener.js.map