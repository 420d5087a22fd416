import type { Job } from 'bull';

import { PREDICT_DIGITS_ATTEMPTS } from './queue.constants';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when Bull has given up on a failed job. Bull marks a job finished when it runs out of
 * attempts, but also when it is discarded or has stalled too often (its worker died while
 * running it each time); in those cases `attemptsMade` stays below the attempts allowed.
 */
export function isFinalFailure(job: Job): boolean {
  const allowed = job.opts.attempts ?? PREDICT_DIGITS_ATTEMPTS;
  return Boolean(job.finishedOn) || job.attemptsMade >= allowed;
}

/** A job's task id, or null when the payload was not written by lensq's dispatcher. */
export function taskIdOf(job: Job): string | null {
  const taskId = (job.data as { taskId?: unknown } | null)?.taskId;
  return typeof taskId === 'string' && UUID.test(taskId) ? taskId : null;
}
