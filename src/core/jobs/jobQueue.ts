import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
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
   * Enqueues a job message; default time-to-live (7 days).
   * @returns the message id and pop receipt (to take the message back, see {@link unsend})
   * @throws RestError when storage refuses or is unreachable
   */
  async send(message: JobMessage): Promise<{ messageId: string; popReceipt: string }> {
    const res = await this.queue.sendMessage(encodeJobMessage(message));
    return { messageId: res.messageId, popReceipt: res.popReceipt };
  }

  /** Deletes a message this process just sent (compensation when the job record could not be created). */
  async unsend(receipt: { messageId: string; popReceipt: string }): Promise<void> {
    await this.queue.deleteMessage(receipt.messageId, receipt.popReceipt);
  }
}
