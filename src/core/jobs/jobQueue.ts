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
   * @throws RestError when storage refuses or is unreachable
   */
  async send(message: JobMessage): Promise<void> {
    await this.queue.sendMessage(encodeJobMessage(message));
  }
}
