import { Readable } from 'node:stream';

import { app } from '@azure/functions';

import { headerNames, jobRoutes, jobUrls } from '../contract/http';
import { isTerminal } from '../contract/jobStatus';
import { statusOptionsSchema } from '../contract/schemas';
import { fieldErrors } from '../core/jobs/jobService';
import { ProblemError } from '../core/problem';
import { describeError } from '../core/storage';
import { callerOf } from '../http/caller';
import { type HttpHandler, lazyHttpHandler, withProblemResponses } from '../http/handler';
import { acceptedResponse, retryAfterSeconds, statusResponse } from '../http/jobResponses';
import { preferredWaitSeconds, preferWaitPollMs } from '../http/prefer';
import { splitQuery } from '../http/statusOptions';
import { publicApiBase } from '../http/urls';
import { type Services, services } from '../services';

/**
 * `POST /api/jobs/{type}`: validates the request, streams the body to Blob storage (claim check),
 * enqueues the job and answers 202 Accepted with `Location`, `Operation-Location` and `Retry-After`.
 * `Idempotency-Key` replays the original job; `Prefer: wait=N` (RFC 7240) answers with the finished
 * result when the job ends within N seconds. Errors are problem details: 400, 404, 413, 415, 422, 503.
 */
export function createSubmitJob(s: Pick<Services, 'jobs' | 'config' | 'results' | 'ready'>): HttpHandler {
  return withProblemResponses('Submit', s.config, async (request, context) => {
    const { status, rest } = splitQuery(request.query);
    const statusOptions = statusOptionsSchema.safeParse(status);
    if (!statusOptions.success) {
      throw new ProblemError(400, 'Invalid status options.', { errors: fieldErrors(statusOptions.error, 'query') });
    }
    const length = request.headers.get('content-length');
    const key = request.headers.get(headerNames.idempotencyKey);
    const caller = callerOf(request);
    const body = request.body ? Readable.fromWeb(request.body) : Readable.from([]);
    await s.ready();
    const submitted = await s.jobs.submit({
      type: request.params.type ?? '',
      options: rest,
      statusOptions: status,
      contentType: request.headers.get('content-type') ?? undefined,
      ...(length !== null && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
      body,
      correlationId: context.traceContext?.traceParent ?? context.invocationId,
      ...(key !== null ? { idempotencyKey: key } : {}),
      ...(caller ? { caller } : {}),
    });
    let job = submitted.job;
    const urls = jobUrls(publicApiBase(request, s.config), job.id, statusOptions.data);
    context.info(`${submitted.replayed ? 'Replayed' : 'Accepted'} job ${job.id} (${job.type}, ${job.input.sizeBytes} bytes).`);

    const wait = preferredWaitSeconds(request.headers.get(headerNames.prefer));
    const extra: Record<string, string> = submitted.replayed ? { [headerNames.idempotentReplayed]: 'true' } : {};
    if (wait !== undefined) {
      // The job exists from here on: a failure while waiting (a status read, the result URL) must not
      // turn into an error the client could take for "nothing was created". It answers the normal
      // 202 for the job, with its last known state.
      try {
        const deadline = Date.now() + wait * 1000;
        while (!isTerminal(job.status) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, Math.min(preferWaitPollMs, Math.max(0, deadline - Date.now()))));
          job = (await s.jobs.get(job.id, caller)).job;
        }
        extra[headerNames.preferenceApplied] = `wait=${wait}`;
        if (isTerminal(job.status)) {
          const done = await statusResponse(job, statusOptions.data, urls, 0, s.results);
          return { ...done, headers: { ...(done.headers as Record<string, string>), ...extra } };
        }
      } catch (err) {
        context.warn(
          `Prefer: wait for job ${job.id} stopped by ${describeError(err instanceof ProblemError ? (err.cause ?? err) : err)}; answering 202.`,
        );
        delete extra[headerNames.preferenceApplied];
      }
    }
    const accepted = acceptedResponse(job, urls, retryAfterSeconds(job, new Date(), s.config));
    return { ...accepted, headers: { ...(accepted.headers as Record<string, string>), ...extra } };
  });
}

/** The registered handler: {@link createSubmitJob} over the process-wide services, built on the first request. */
export const submitJob = lazyHttpHandler('Submit', () => createSubmitJob(services()));

app.http('submitJob', {
  methods: ['POST'],
  route: jobRoutes.submit,
  authLevel: 'anonymous',
  handler: submitJob,
});
