import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';

import { toInputPreviewPixels } from '../../libs/digit-reading/input-preview';
import { AppConfigService } from '../config/app-config.service';
import { DigitReadingService } from '../inference/digit-reading.service';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { isDatabaseUnavailable } from '../persistence/database-errors';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { isFinalFailure, taskIdOf } from './job-outcome';
import { MAX_STALLED_COUNT, MAX_TASK_RUNS, PredictDigitsJobData } from './queue.constants';

// Bull's own message for a job whose worker died while running it too many times.
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

export type PredictDigitsOutcome = 'completed' | 'already-finished';

/** Reads the digits of one task: load its images from Postgres, predict, save. */
@Injectable()
export class PredictDigitsProcessor {
  private readonly logger = new Logger(PredictDigitsProcessor.name);

  constructor(
    private readonly tasks: PredictionTaskRepository,
    private readonly digitReading: DigitReadingService,
    private readonly config: AppConfigService,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * Idempotent: a job delivered twice (a stalled job re-run, a reconciler re-enqueue)
   * finds its task finished and does nothing. Unexpected errors propagate so Bull retries.
   */
  async process(job: Job<PredictDigitsJobData>): Promise<PredictDigitsOutcome> {
    const taskId = taskIdOf(job);
    if (!taskId) {
      return this.giveUp(job, `job data ${JSON.stringify(job.data)?.slice(0, 100)} names no task`);
    }
    const started = performance.now();

    const claimed = await this.tasks.claimForProcessing(taskId);
    if (!claimed) {
      this.logger.log(`Job ${job.id} (task ${taskId}): task already finished or deleted, skipped`);
      return 'already-finished';
    }
    const { task, images } = claimed;
    if (task.attempts > MAX_TASK_RUNS) {
      return this.giveUp(
        job,
        `${MAX_TASK_RUNS} runs ended without a result (its worker stopped or lost Postgres mid-task each time)`,
      );
    }

    const { readings, timings } = await this.digitReading.read(images.map((image) => image.bytes));
    this.metrics.recordInference(readings, timings);

    const outcomes = readings.map((reading, index) => ({
      position: images[index].position,
      digit: reading.digit,
      confidence: reading.confidence,
      probabilities: reading.probabilities,
      uncertain: reading.uncertain,
      doubts: reading.doubts,
      errorCode: reading.error?.code ?? null,
      errorMessage: reading.error ? `${images[index].filename}: ${reading.error.message}` : null,
      // Kept as pixels; the API encodes the PNG when a client asks for it (rarely).
      inputPixels: reading.input ? toInputPreviewPixels(reading.input) : null,
    }));
    const totalMs = performance.now() - started;
    const isSaved = await this.tasks.completeTask(
      taskId,
      outcomes,
      {
        queue_wait_ms: Math.max(
          0,
          Math.round((task.startedAt?.getTime() ?? Date.now()) - task.createdAt.getTime()),
        ),
        decode_ms: round(timings.decodeMs),
        inference_ms: round(timings.inferenceMs),
        total_ms: round(totalMs),
      },
      this.digitReading.modelVersion,
      { shouldKeepImages: this.config.shouldKeepImagesAfterFinish },
    );

    const digits = readings.map((reading) => reading.digit ?? '-').join('');
    this.logger.log(
      `Job ${job.id} (task ${taskId}) ${isSaved ? 'completed' : 'finished elsewhere'}: ${images.length} image(s) read as ${digits} in ${round(totalMs)} ms`,
    );
    return isSaved ? 'completed' : 'already-finished';
  }

  /** Called for every failed attempt; once Bull gives up on the job, the task fails once. */
  async onFailed(job: Job<PredictDigitsJobData>, error: Error): Promise<void> {
    const taskId = taskIdOf(job);
    if (!isFinalFailure(job)) {
      this.logger.warn(
        `Job ${job.id} (task ${taskId}) attempt ${job.attemptsMade} failed, will retry: ${error.message}`,
      );
      return;
    }

    if (taskId && isDatabaseUnavailable(error)) {
      // Postgres went away, not the task: failing it would turn an outage into lost work.
      this.logger.warn(
        `Job ${job.id} (task ${taskId}) gave up while Postgres was unavailable (${error.message}); the reconciler will dispatch it again`,
      );
      return;
    }
    this.logger.error(
      `Job ${job.id} (task ${taskId}) failed for good after ${job.attemptsMade} attempt(s): ${error.message}`,
      error.stack,
    );
    if (!taskId) return;
    await this.tasks.failTask(taskId, failureReason(job, error));
  }

  /** Fails the job at once, without retries: trying again cannot help. */
  private giveUp(job: Job<PredictDigitsJobData>, reason: string): never {
    void job.discard();
    throw new Error(`Gave up: ${reason}`);
  }
}

/** What a client reads in the failed task's `error`. */
function failureReason(job: Job, error: Error): string {
  if (error.message === STALLED_TOO_OFTEN) {
    return `Processing failed: the worker stopped while reading this task ${MAX_STALLED_COUNT + 1} times; an image in it may crash the reader`;
  }
  return `Processing failed after ${job.attemptsMade} attempt(s): ${error.message}`;
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
