import { isTerminal, type JobRecord, jobRecordSchema, type JobStatus, jobStatusSchema, terminalStatuses } from '../../src/core/jobs/model';
import {
  cancel,
  canceledProblem,
  fail,
  recordProgress,
  requestCancel,
  start,
  succeed,
  TransitionError,
} from '../../src/core/jobs/stateMachine';
import { problem, problemMediaType } from '../../src/core/problem';

// ------------------------------------------------------------------------------------------------
// Fixtures

const created = new Date('2024-05-01T10:00:00.000Z');
const later = new Date('2024-05-01T10:00:05.000Z');
const evenLater = new Date('2024-05-01T10:01:00.000Z');

const allStatuses: JobStatus[] = [...jobStatusSchema.options];
const result = { blobName: '3f1c2a4e-8b7d-4c2e-9f1a-0b1c2d3e4f5a/result.json', contentType: 'application/json', sizeBytes: 42 };
const failure = problem(500, 'Processing failed.');

/** A valid job record (checked against the persisted schema) in `status`, as if it had got there normally. */
function jobIn(status: JobStatus, overrides: Partial<JobRecord> = {}): JobRecord {
  const base: JobRecord = {
    id: '3f1c2a4e-8b7d-4c2e-9f1a-0b1c2d3e4f5a',
    type: 'csv-report',
    status,
    options: { delimiter: ',' },
    input: { contentType: 'text/csv', sizeBytes: 1234 },
    createdDateTime: created.toISOString(),
    lastUpdatedDateTime: created.toISOString(),
    percentComplete: 0,
    progress: {},
    attempts: 0,
  };
  if (status !== 'NotStarted') Object.assign(base, { startedDateTime: created.toISOString(), attempts: 1, percentComplete: 30 });
  if (status === 'Succeeded') Object.assign(base, { percentComplete: 100, result, completedDateTime: created.toISOString() });
  if (status === 'Failed') Object.assign(base, { error: failure, completedDateTime: created.toISOString() });
  if (status === 'Canceled') Object.assign(base, { error: canceledProblem(), completedDateTime: created.toISOString() });
  return jobRecordSchema.parse({ ...base, ...overrides });
}

type Op = 'start' | 'recordProgress' | 'succeed' | 'fail' | 'cancel' | 'requestCancel';

const apply: Record<Op, (job: JobRecord, now: Date) => JobRecord> = {
  start: (job, now) => start(job, now),
  recordProgress: (job, now) => recordProgress(job, { percentComplete: 50, progress: { rows: 10 } }, now),
  succeed: (job, now) => succeed(job, result, now),
  fail: (job, now) => fail(job, failure, now),
  cancel: (job, now) => cancel(job, now),
  requestCancel: (job, now) => requestCancel(job, now),
};

/** The allowed transitions (from the diagram in stateMachine.ts and docs/api.md "The status document"); anything else is refused. */
const allowed: Record<Op, Partial<Record<JobStatus, JobStatus>>> = {
  start: { NotStarted: 'Running', Running: 'Running' },
  recordProgress: { Running: 'Running' },
  succeed: { Running: 'Succeeded' },
  fail: { NotStarted: 'Failed', Running: 'Failed' },
  cancel: { NotStarted: 'Canceled', Running: 'Canceled' },
  requestCancel: { NotStarted: 'Canceled', Running: 'Running' },
};

const ops = Object.keys(apply) as Op[];
const matrix = ops.flatMap((op) => allStatuses.map((from) => ({ op, from, to: allowed[op][from] })));
const allowedCases = matrix.filter((c): c is { op: Op; from: JobStatus; to: JobStatus } => c.to !== undefined);
const forbiddenCases = matrix.filter((c) => c.to === undefined);

// ------------------------------------------------------------------------------------------------

describe('isTerminal', () => {
  test.each([
    ['NotStarted', false],
    ['Running', false],
    ['Succeeded', true],
    ['Failed', true],
    ['Canceled', true],
  ] as const)('%s → %s', (status, expected) => {
    expect(isTerminal(status)).toBe(expected);
  });

  test('the terminal set is exactly Succeeded, Failed, Canceled and covers every status in the table above', () => {
    expect([...terminalStatuses].sort()).toEqual(['Canceled', 'Failed', 'Succeeded']);
    expect([...allStatuses].sort()).toEqual(['Canceled', 'Failed', 'NotStarted', 'Running', 'Succeeded']);
  });
});

describe('transition matrix', () => {
  test('the matrix covers every operation from every status', () => {
    expect(matrix).toHaveLength(ops.length * allStatuses.length);
    expect(allowedCases.length + forbiddenCases.length).toBe(30);
    expect(allowedCases).toHaveLength(10);
  });

  test.each(allowedCases)('$op from $from → $to', ({ op, from, to }) => {
    const job = jobIn(from);
    const before = structuredClone(job);
    const next = apply[op](job, later);
    expect(next.status).toBe(to);
    // Pure function: the input record is untouched, and the output is a valid persisted record.
    expect(job).toEqual(before);
    expect(next).not.toBe(job);
    expect(() => jobRecordSchema.parse(next)).not.toThrow();
    // Identity fields never change.
    expect(next).toMatchObject({
      id: job.id,
      type: job.type,
      options: job.options,
      input: job.input,
      createdDateTime: job.createdDateTime,
    });
    expect(next.lastUpdatedDateTime).toBe(later.toISOString());
  });

  test.each(forbiddenCases)('$op from $from is refused with a TransitionError', ({ op, from }) => {
    const job = jobIn(from);
    const before = structuredClone(job);
    let caught: unknown;
    try {
      apply[op](job, later);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TransitionError);
    const err = caught as TransitionError;
    expect(err.current).toBe(from);
    expect(err.name).toBe('TransitionError');
    expect(err.message).toContain(from);
    expect(job).toEqual(before);
  });

  test.each([...terminalStatuses].flatMap((status) => ops.map((op) => ({ status, op }))))(
    'terminal $status never changes: $op throws',
    ({ status, op }) => {
      const job = jobIn(status);
      expect(() => apply[op](job, later)).toThrow(TransitionError);
      expect(job.status).toBe(status);
    },
  );
});

describe('start', () => {
  test('counts every attempt, including a redelivery that takes over a Running job', () => {
    const first = start(jobIn('NotStarted'), later);
    expect(first.attempts).toBe(1);
    const second = start(first, evenLater);
    expect(second.attempts).toBe(2);
    expect(start(second, evenLater).attempts).toBe(3);
  });

  test('sets startedDateTime on the first start only', () => {
    const first = start(jobIn('NotStarted'), later);
    expect(first.startedDateTime).toBe(later.toISOString());
    const again = start(first, evenLater);
    expect(again.startedDateTime).toBe(later.toISOString());
    expect(again.lastUpdatedDateTime).toBe(evenLater.toISOString());
  });

  test('keeps progress already recorded by an earlier attempt', () => {
    const running = recordProgress(start(jobIn('NotStarted'), later), { percentComplete: 40, progress: { rows: 4 } }, later);
    const redelivered = start(running, evenLater);
    expect(redelivered.percentComplete).toBe(40);
    expect(redelivered.progress).toEqual({ rows: 4 });
  });
});

describe('recordProgress', () => {
  const running = () => start(jobIn('NotStarted'), later);

  /** Applies the reported percentages in order; returns the percent after each. */
  const percents = (reports: (number | undefined)[]): number[] => {
    let job = running();
    return reports.map((p) => {
      job = recordProgress(job, p === undefined ? {} : { percentComplete: p }, later);
      return job.percentComplete;
    });
  };

  test.each([
    { reports: [10, 20, 30], expected: [10, 20, 30], why: 'increasing values are taken' },
    { reports: [50, 40, 45, 60], expected: [50, 50, 50, 60], why: 'never goes down' },
    { reports: [100], expected: [99], why: '100 is reserved for succeed' },
    { reports: [98, 150, 99.5], expected: [98, 99, 99], why: 'capped at 99' },
    { reports: [25, undefined, 30], expected: [25, 25, 30], why: 'an omitted percent keeps the last one' },
    { reports: [-5, 0], expected: [0, 0], why: 'negative reports do not lower it below 0' },
  ])('$reports → $expected ($why)', ({ reports, expected }) => {
    expect(percents(reports)).toEqual(expected);
  });

  test('monotonic and within [0, 99] for an arbitrary report sequence', () => {
    let job = running();
    let previous = job.percentComplete;
    // Deterministic pseudo-random sequence in [-20, 140).
    let seed = 7;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const p = (seed % 160) - 20;
      job = recordProgress(job, { percentComplete: p }, later);
      expect(job.percentComplete).toBeGreaterThanOrEqual(previous);
      expect(job.percentComplete).toBeLessThanOrEqual(99);
      previous = job.percentComplete;
    }
  });

  // Regression (fixed): a non-finite report (e.g. a processor computing bytesRead / sizeBytes with sizeBytes 0 → NaN)
  // turns percentComplete into NaN: Math.max(40, NaN) is NaN. The record then violates
  // jobRecordSchema (min 0, max 100) and JSON.stringify stores it as null, so the job can no longer be
  // read back by the job store. Expected: the report is ignored (percent stays 40).
  test('a NaN percentComplete report leaves the percent unchanged (monotonic)', () => {
    const job = recordProgress(running(), { percentComplete: 40 }, later);
    const next = recordProgress(job, { percentComplete: Number.NaN }, evenLater);
    expect(next.percentComplete).toBe(40);
  });

  test('progress counters are replaced when reported and kept when omitted', () => {
    const a = recordProgress(running(), { progress: { rows: 1, bytesRead: 10 } }, later);
    expect(a.progress).toEqual({ rows: 1, bytesRead: 10 });
    const b = recordProgress(a, { percentComplete: 5 }, later);
    expect(b.progress).toEqual({ rows: 1, bytesRead: 10 });
    const c = recordProgress(b, { progress: { rows: 2 } }, later);
    expect(c.progress).toEqual({ rows: 2 });
  });

  test('updates lastUpdatedDateTime only', () => {
    const job = running();
    const next = recordProgress(job, { percentComplete: 10 }, evenLater);
    expect(next.lastUpdatedDateTime).toBe(evenLater.toISOString());
    expect(next.startedDateTime).toBe(job.startedDateTime);
    expect(next.completedDateTime).toBeUndefined();
  });
});

describe('succeed', () => {
  test('sets 100 %, the result and completedDateTime', () => {
    const job = recordProgress(start(jobIn('NotStarted'), later), { percentComplete: 99 }, later);
    const done = succeed(job, result, evenLater);
    expect(done).toMatchObject({
      status: 'Succeeded',
      percentComplete: 100,
      result,
      completedDateTime: evenLater.toISOString(),
      lastUpdatedDateTime: evenLater.toISOString(),
      startedDateTime: later.toISOString(),
    });
    expect(done.error).toBeUndefined();
  });

  test('is refused when a cancel was requested (the worker must cancel instead)', () => {
    const signalled = requestCancel(start(jobIn('NotStarted'), later), later);
    expect(signalled.cancelRequested).toBe(true);
    expect(() => succeed(signalled, result, evenLater)).toThrow(TransitionError);
    expect(() => succeed(signalled, result, evenLater)).toThrow(expect.objectContaining({ current: 'Running' }));
    // …while cancel, and fail, remain possible.
    expect(cancel(signalled, evenLater).status).toBe('Canceled');
    expect(fail(signalled, failure, evenLater).status).toBe('Failed');
  });
});

describe('fail', () => {
  test.each(['NotStarted', 'Running'] as const)('from %s carries the problem and completedDateTime', (from) => {
    const reason = problem(422, 'Row 3 has 2 columns, expected 3.', { row: 3 });
    const failed = fail(jobIn(from), reason, evenLater);
    expect(failed.status).toBe('Failed');
    expect(failed.error).toEqual(reason);
    expect(failed.completedDateTime).toBe(evenLater.toISOString());
    expect(failed.result).toBeUndefined();
  });
});

describe('cancel and requestCancel', () => {
  test('canceledProblem is a 409 problem', () => {
    const p = canceledProblem();
    expect(p.status).toBe(409);
    expect(p.title).toBe('Conflict');
    expect(p.type).toBe('about:blank');
    expect(typeof p.detail).toBe('string');
    expect(problemMediaType).toBe('application/problem+json');
  });

  test('requestCancel on NotStarted cancels at once with the 409 problem', () => {
    const job = jobIn('NotStarted');
    const canceled = requestCancel(job, later);
    expect(canceled.status).toBe('Canceled');
    expect(canceled.error?.status).toBe(409);
    expect(canceled.error).toEqual(canceledProblem());
    expect(canceled.completedDateTime).toBe(later.toISOString());
    expect(canceled.lastUpdatedDateTime).toBe(later.toISOString());
    expect(canceled.attempts).toBe(0);
  });

  test('requestCancel on Running only signals the worker', () => {
    const running = recordProgress(start(jobIn('NotStarted'), later), { percentComplete: 30 }, later);
    const signalled = requestCancel(running, evenLater);
    expect(signalled.status).toBe('Running');
    expect(signalled.cancelRequested).toBe(true);
    expect(signalled.error).toBeUndefined();
    expect(signalled.completedDateTime).toBeUndefined();
    expect(signalled.percentComplete).toBe(30);
    expect(signalled.lastUpdatedDateTime).toBe(evenLater.toISOString());
    // A second request is harmless.
    expect(requestCancel(signalled, evenLater)).toMatchObject({ status: 'Running', cancelRequested: true });
    // The worker then cancels: Canceled with the 409 problem.
    const canceled = cancel(signalled, evenLater);
    expect(canceled.status).toBe('Canceled');
    expect(canceled.error?.status).toBe(409);
    expect(canceled.completedDateTime).toBe(evenLater.toISOString());
  });

  test.each([...terminalStatuses])('requestCancel on %s throws TransitionError carrying that state as current', (status) => {
    const job = jobIn(status);
    expect(() => requestCancel(job, later)).toThrow(expect.objectContaining({ name: 'TransitionError', current: status }));
  });
});

describe('a whole lifecycle keeps timestamps consistent', () => {
  test('NotStarted → Running → progress → Succeeded', () => {
    const t = (s: number) => new Date(created.getTime() + s * 1000);
    let job = jobIn('NotStarted');
    job = start(job, t(1));
    job = recordProgress(job, { percentComplete: 50 }, t(2));
    job = recordProgress(job, { percentComplete: 99 }, t(3));
    job = succeed(job, result, t(4));
    expect(job).toMatchObject({
      status: 'Succeeded',
      attempts: 1,
      percentComplete: 100,
      createdDateTime: t(0).toISOString(),
      startedDateTime: t(1).toISOString(),
      lastUpdatedDateTime: t(4).toISOString(),
      completedDateTime: t(4).toISOString(),
    });
    const order = [job.createdDateTime, job.startedDateTime, job.completedDateTime].map((s) => Date.parse(s ?? ''));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(() => jobRecordSchema.parse(job)).not.toThrow();
  });
});
