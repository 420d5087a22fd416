import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';

import { withTimeout } from '../common/with-timeout';

import {
  JobName,
  PREDICT_DIGITS_ATTEMPTS,
  PredictDigitsJobData,
  QueueName,
} from './queue.constants';

// Redis answers in a millisecond; past this it is down, and the reconciler will dispatch later.
const REDIS_TIMEOUT_MS = 1500;

/** Puts stored tasks on the queue. Redis only dispatches: losing a job loses no task. */
@Injectable()
export class PredictionDispatcher {
  private readonly logger = new Logger(PredictionDispatcher.name);

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue<PredictDigitsJobData>,
  ) {}

  /**
   * Enqueues the task under its own id, so enqueuing it again is harmless. Returns false
   * instead of throwing when Redis is unreachable: the task is safe in Postgres.
   */
  async dispatch(taskId: string): Promise<boolean> {
    const enqueue = this.queue.add(
      JobName.PredictDigits,
      { taskId },
      {
        jobId: taskId,
        attempts: PREDICT_DIGITS_ATTEMPTS,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );

    try {
      await withTimeout(enqueue, REDIS_TIMEOUT_MS, 'Redis enqueue');
      return true;
    } catch (error) {
      this.logger.warn(
        `Task ${taskId} stored but not enqueued (${(error as Error).message}); the reconciler will dispatch it`,
      );
      return false;
    }
  }

  /** Removes a cancelled task's job if it is still waiting; the worker would skip it anyway. */
  async withdraw(taskId: string): Promise<void> {
    try {
      const job = await withTimeout(
        this.queue.getJob(taskId),
        REDIS_TIMEOUT_MS,
        'Redis job lookup',
      );
      if (job && (await withTimeout(job.isWaiting(), REDIS_TIMEOUT_MS, 'Redis job state')))
        await withTimeout(job.remove(), REDIS_TIMEOUT_MS, 'Redis job removal');
    } catch (error) {
      this.logger.warn(
        `Could not remove the job of cancelled task ${taskId}: ${(error as Error).message}`,
      );
    }
  }
}
