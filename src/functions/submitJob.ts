import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fieldErrors } from '../core/jobs/jobService';
import { ProblemError } from '../core/problem';
import { acceptedResponse, errorResponse } from '../http/jobResponses';
import { splitQuery, statusOptionsSchema } from '../http/statusOptions';
import { jobUrls, publicOrigin } from '../http/urls';
import { services } from '../services';

/**
 * `POST /api/jobs/{type}`: validates the request, streams the body to Blob storage (claim check),
 * enqueues the job and answers 202 Accepted with `Location`, `Operation-Location` and `Retry-After`.
 * Errors are problem details: 400, 404, 413, 415, 503 (see CONTRACT.md).
 */
export async function submitJob(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  try {
    const s = services();
    const { status, rest } = splitQuery(request.query);
    const statusOptions = statusOptionsSchema.safeParse(status);
    if (!statusOptions.success) {
      throw new ProblemError(400, 'Invalid status options.', { errors: fieldErrors(statusOptions.error, 'query') });
    }
    const length = request.headers.get('content-length');
    const body = request.body ? Readable.fromWeb(request.body as NodeReadableStream) : Readable.from([]);
    await s.ready();
    const created = await s.jobs.submit({
      type: request.params.type ?? '',
      options: rest,
      contentType: request.headers.get('content-type') ?? undefined,
      ...(length !== null && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
      body,
      correlationId: context.traceContext?.traceParent ?? context.invocationId,
    });
    const urls = jobUrls(publicOrigin(request, s.config), created.job.id, statusOptions.data);
    context.info(`Accepted job ${created.job.id} (${created.job.type}, ${created.job.input.sizeBytes} bytes).`);
    return acceptedResponse(created.job, urls, s.config.retryAfterSeconds);
  } catch (err) {
    if (!(err instanceof ProblemError)) context.error('Submit failed:', err);
    return errorResponse(err);
  }
}

app.http('submitJob', {
  methods: ['POST'],
  route: 'jobs/{type}',
  authLevel: 'anonymous',
  handler: submitJob,
});
