import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';

import { abortable } from '../storage';
import { encodeJobMessage, type JobMessage } from './messageCodec';

/** Sends job messages to the jobs queue (base64-encoded JSON, see {@link encodeJobMessage}). */
export class JobQueue {
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;

  constructor(queueService: QueueServiceClient, queueName: string, poisonQueueName: string) {
    this.queue = queueService.getQueueClient(queueName);
    this.poisonQueue = queueService.getQueueClient(poisonQueueName);
  }

  /** Creates the queue and its poison queue if missing (local development; Bicep creates them in Azure). */
  async ensureQueues(): Promise<void> {
    await Promise.all([this.queue.createIfNotExists(), this.poisonQueue.createIfNotExists()]);
  }

  /**
   * Enqueues a job message, deliverable at once; default time-to-live (7 days). One Put Message.
   * @param opts.signal aborts the call (the submit's deadline)
   * @returns the message id and pop receipt (recorded on the job for {@link exists}; to take the
   *   message back)
   * @throws RestError when storage refuses or is unreachable; AbortError when the signal fires
   */
  async send(message: JobMessage, opts: { signal?: AbortSignal } = {}): Promise<{ messageId: string; popReceipt: string }> {
    const res = await this.queue.sendMessage(encodeJobMessage(message), abortable(opts.signal));
    return { messageId: res.messageId, popReceipt: res.popReceipt };
  }

  /**
   * Whether a message still exists, by Update Message with a receipt from when it was sent: 404
   * MessageNotFound means it is gone (processed, deleted, expired); 400 PopReceiptMismatch means it
   * exists but was dequeued since; success means it was never dequeued (still waiting in the queue)
   * and leaves it visible (visibility timeout 0).
   * https://learn.microsoft.com/rest/api/storageservices/update-message
   * @throws RestError for other failures (storage down)
   */
  async exists(receipt: { messageId: string; popReceipt: string }): Promise<boolean> {
    try {
      await this.queue.updateMessage(receipt.messageId, receipt.popReceipt, undefined, 0);
      return true;
    } catch (err) {
      const e = err as { statusCode?: number };
      if (e.statusCode === 404) return false;
      if (e.statusCode === 400) return true;
      throw err;
    }
  }

  /** Deletes a message this process just sent (compensation when the job record could not be created). */
  async deleteSent(receipt: { messageId: string; popReceipt: string }, signal?: AbortSignal): Promise<void> {
    await this.queue.deleteMessage(receipt.messageId, receipt.popReceipt, abortable(signal));
  }
}
