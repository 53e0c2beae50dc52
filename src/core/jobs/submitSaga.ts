import type { BufferedBody } from './jobBlobs';
import type { JobQueue } from './jobQueue';
import type { JobStore } from './jobStore';
import type { JobMessage } from './messageCodec';
import type { JobRecord, VersionedJob } from './model';

/** Takes back one step that was (or may have been) applied, within `signal`. */
export type UndoStep = (signal: AbortSignal) => Promise<unknown>;

/** Receipt of the job message as Put Message answered it. */
export interface MessageReceipt {
  messageId: string;
  popReceipt: string;
}

/**
 * The storage steps of one submit, as a short saga with explicit undo steps (README "Guarantees",
 * bounds.ts for the windows). Forward steps, in this order:
 *
 * | step | calls | undo |
 * |---|---|---|
 * | (Idempotency-Key claim, by the caller: KeyClaims) | Put Blob `If-None-Match: *` | release the claim (`If-Match` its ETag) |
 * | 1. {@link prepare}, in parallel: the input (when it is in memory; a streamed input is stored before the saga) and the job message | Put Blob, Put Message | delete the input, the message |
 * | 2. {@link commit}: the record, `If-None-Match: *`, with its index tag: the commit point | Put Blob | settle the record first (below) |
 *
 * The message is deliverable at once, so a worker may get it before the record exists: it then waits
 * for the record until the submit has surely ended (A in bounds.ts, JobRunner).
 *
 * {@link compensate} runs when a submit will answer an error: once a create was attempted, the record
 * is settled first (an abandoned Failed record created with `If-None-Match: *`, or the request's own
 * record failed if its create landed after all and no worker has started it); a job that a worker
 * started meanwhile is returned instead (the submit then answers 202 for it). Only once no job can
 * run under the id do the undo steps run (in parallel). If storage does not allow even that, they
 * stay: the worker ends the job when it finds no record after A (JobRunner), and a retry with the
 * same key takes the claim over only after abandoning its job (KeyClaims).
 */
export class SubmitSaga {
  private readonly undoSteps: UndoStep[] = [];
  private createAttempted = false;

  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
    /** The record to create (NotStarted); {@link commit} adds the message receipt. */
    readonly job: JobRecord,
    private readonly now: () => Date,
  ) {}

  /** Registers an undo step for a step the caller ran (the key claim, a streamed input). */
  undoWith(step: UndoStep): void {
    this.undoSteps.push(step);
  }

  /**
   * Step 1: stores `input` (when given) and sends the job message, in parallel, within `signal`.
   * @returns the message's receipt
   * @throws the first failure (the undo steps of both are registered)
   */
  async prepare(
    input: { body: BufferedBody; contentType: string; maxBytes: number } | undefined,
    message: JobMessage,
    signal: AbortSignal,
  ): Promise<MessageReceipt> {
    const { id } = this.job;
    // Writes whose answer may be lost are undone whatever they answered (deletes of what may not exist).
    if (input) this.undoWith((s) => this.store.blobs.deleteInput(id, s));
    const [stored, sent] = await Promise.allSettled([
      input ? this.store.blobs.uploadInput(id, input.body, input.contentType, input.maxBytes, signal) : undefined,
      this.queue.send(message, { signal }),
    ]);
    // A message that is not taken back finds no record: its worker ends the id after A.
    if (sent.status === 'fulfilled') this.undoWith((s) => this.queue.deleteSent(sent.value, s));
    for (const r of [stored, sent]) if (r.status === 'rejected') throw r.reason;
    return (sent as PromiseFulfilledResult<MessageReceipt>).value;
  }

  /** Step 2: creates the record (`If-None-Match: *`) naming the message: the commit point. */
  async commit(receipt: MessageReceipt, signal: AbortSignal): Promise<VersionedJob> {
    this.job.message = { id: receipt.messageId, popReceipt: receipt.popReceipt };
    this.createAttempted = true;
    return this.store.records.create(this.job, signal);
  }

  /**
   * Takes back what the submit stored, bounded by `signal` (C in bounds.ts); see the class comment.
   * @returns the request's own job when its create landed after all and a worker has started it
   *   (nothing is taken back then); otherwise undefined
   */
  async compensate(signal: AbortSignal): Promise<VersionedJob | undefined> {
    if (this.createAttempted) {
      try {
        const settled = await this.store.records.abandon(this.job.id, this.job.type, 'submit failed or timed out', this.now(), {
          failIfCreatedAt: this.job.createdDateTime,
          signal,
        });
        if (settled !== 'ended') return settled.job.createdDateTime === this.job.createdDateTime ? settled : undefined;
      } catch {
        return undefined;
      }
    }
    await Promise.allSettled(this.undoSteps.map((undo) => undo(signal)));
    return undefined;
  }
}
