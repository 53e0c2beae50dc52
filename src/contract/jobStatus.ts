/**
 * The job status vocabulary of the API contract, as plain values: no zod and no Node.js import, so the
 * typed client and the page import them at run time without bundling a schema library. The zod
 * schemas built from them (for validation and the OpenAPI document) are in `./schemas`.
 */

/**
 * Lifecycle of a job (Azure REST API guidelines, long-running operations: `NotStarted`, `Running`,
 * `Succeeded`, `Failed`, `Canceled`;
 * https://github.com/microsoft/api-guidelines/blob/vNext/azure/Guidelines.md#long-running-operations--jobs).
 */
export const jobStatuses = ['NotStarted', 'Running', 'Succeeded', 'Failed', 'Canceled'] as const;
/** A value of {@link jobStatuses}. */
export type JobStatus = (typeof jobStatuses)[number];

/** The terminal statuses: nothing moves a job out of them. */
export const terminalJobStatuses: readonly JobStatus[] = ['Succeeded', 'Failed', 'Canceled'];

/** True when `status` is Succeeded, Failed or Canceled. */
export function isTerminal(status: JobStatus): boolean {
  return terminalJobStatuses.includes(status);
}

/**
 * Durable Functions' `runtimeStatus` for each job status (the `runtimeStatus` of the status
 * document; Durable Functions HTTP API,
 * https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api#get-instance-status).
 * Each value is a member of the `durable-functions` package's `OrchestrationRuntimeStatus` enum
 * (test/unit/durableVocabulary.test.ts checks it), which also has `ContinuedAsNew`, `Canceled` and
 * `Suspended`: states a job never has, so the API never emits them.
 */
export const runtimeStatusOf = {
  NotStarted: 'Pending',
  Running: 'Running',
  Succeeded: 'Completed',
  Failed: 'Failed',
  Canceled: 'Terminated',
} as const satisfies Record<JobStatus, string>;

/** The `runtimeStatus` values the API emits: Pending, Running, Completed, Failed, Terminated. */
export const runtimeStatuses: readonly RuntimeStatus[] = jobStatuses.map((s) => runtimeStatusOf[s]);
/** A value of {@link runtimeStatuses}. */
export type RuntimeStatus = (typeof runtimeStatusOf)[JobStatus];
