import type { Readable } from 'node:stream';

import type { z } from 'zod';

/**
 * Progress a processor reports while it runs. Written to the job's status document (throttled by the
 * job runner to at most one write per `JOBS_PROGRESS_INTERVAL_MS`).
 */
export interface ProgressReport {
  /** 0–100, monotonic; omitted when the processor cannot estimate it. */
  percentComplete?: number;
  /** Processor-defined counters (e.g. `{ bytesRead, rows }`), shown as `progress` in the status document. */
  progress?: Record<string, number | string | boolean>;
}

/** The claim-checked input of a job, as stored in Blob storage. */
export interface ProcessorInput {
  /** Media type the caller sent (e.g. `text/csv; charset=utf-8`). */
  contentType: string;
  /** Size of the stored body in bytes. */
  sizeBytes: number;
  /** Opens a fresh stream over the stored body. */
  open(signal?: AbortSignal): Promise<Readable>;
}

/** What a processor hands back: the result bytes and their media type. */
export interface ProcessorResult {
  contentType: string;
  /** The result; a stream is uploaded without buffering it whole. */
  body: Buffer | string | Readable;
}

/** Everything a running processor gets. Knows nothing of Azure Functions. */
export interface ProcessorContext<Options> {
  jobId: string;
  options: Options;
  input: ProcessorInput;
  /** Aborted when the job is canceled; a processor checks it (or passes it on) and stops promptly. */
  signal: AbortSignal;
  /** Report progress as often as convenient; the runner throttles the writes. */
  reportProgress(report: ProgressReport): void;
}

/**
 * A job type. Registered once in the processor registry; the submit endpoint validates requests with
 * its schemas and media types, the queue-triggered function runs it.
 */
export interface Processor<Options = unknown> {
  /** URL segment in `POST /api/jobs/{type}`: lowercase letters, digits and dashes. */
  readonly type: string;
  /** One line for the OpenAPI document and README. */
  readonly description: string;
  /** Validates the query-string options (string values in, typed options out). Reject unknown keys. */
  readonly optionsSchema: z.ZodType<Options>;
  /**
   * Accepted request media types, without parameters (e.g. `text/csv`). When `application/json` is
   * listed, `inputSchema` validates the parsed body before anything is stored.
   */
  readonly mediaTypes: readonly string[];
  /** Schema of a JSON request body (only with `application/json` in `mediaTypes`). */
  readonly inputSchema?: z.ZodType;
  /** Media type of the result (for the OpenAPI document). */
  readonly resultMediaType: string;
  /**
   * Schema of a JSON result (with `application/json` as `resultMediaType`), given an `id` in its zod
   * `meta`: the OpenAPI document lists it as a component and as the stream form of the status monitor.
   */
  readonly resultSchema?: z.ZodType;
  /**
   * Runs the job.
   * @throws ProcessorInputError when the input is invalid (the job fails with 422 and is not retried)
   * @throws any other error for a processing failure (retried by the queue, then failed with 500)
   */
  run(ctx: ProcessorContext<Options>): Promise<ProcessorResult>;
}

/** Where in the input a problem was found (1-based). */
export interface InputLocation {
  row?: number;
  column?: number;
  line?: number;
}

/**
 * The processor rejected its input: the job ends Failed, answered as 422 problem details
 * (RFC 9457), and the message is not retried.
 */
export class ProcessorInputError extends Error {
  override readonly name = 'ProcessorInputError';
  constructor(
    message: string,
    readonly location: InputLocation = {},
  ) {
    super(message);
  }
}

/** Thrown by a processor that stopped because its `signal` was aborted. */
export class ProcessorAbortedError extends Error {
  override readonly name = 'ProcessorAbortedError';
  constructor(message = 'The job was canceled') {
    super(message);
  }
}
