import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';

import {
  JobName,
  PREDICT_DIGITS_ATTEMPTS,
  PredictDigitsJobData,
  QueueName,
} from './queue.constants';

// Redis answers in a millisecond; past this it is down, and the reconciler will dispatch later.
const ENQUEUE_TIMEOUT_MS = 1500;

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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from Redis in ${ENQUEUE_TIMEOUT_MS} ms`)),
        ENQUEUE_TIMEOUT_MS,
      );
    });

    try {
      await Promise.race([enqueue, timeout]);
      return true;
    } catch (error) {
      enqueue.catch(() => undefined);
      this.logger.warn(
        `Task ${taskId} stored but not enqueued (${(error as Error).message}); the reconciler will dispatch it`,
      );
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Removes a cancelled task's job if it is still waiting; the worker would skip it anyway. */
  async withdraw(taskId: string): Promise<void> {
    try {
      const job = await withinRedisTimeout(this.queue.getJob(taskId));
      if (job && (await withinRedisTimeout(job.isWaiting())))
        await withinRedisTimeout(job.remove());
    } catch (error) {
      this.logger.warn(
        `Could not remove the job of cancelled task ${taskId}: ${(error as Error).message}`,
      );
    }
  }
}

/** Bull waits for Redis to come back; a request must not. */
async function withinRedisTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from Redis in ${ENQUEUE_TIMEOUT_MS} ms`)),
      ENQUEUE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    work.catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
