import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';

import { encodeInputPreview } from '../../libs/digit-reading/input-preview';
import { AppConfigService } from '../config/app-config.service';
import { DigitReadingService } from '../inference/digit-reading.service';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { PREDICT_DIGITS_ATTEMPTS, PredictDigitsJobData } from './queue.constants';

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
    const { taskId } = job.data;
    const started = performance.now();

    const task = await this.tasks.markActive(taskId);
    if (!task) {
      this.logger.log(`Job ${job.id} (task ${taskId}): task already finished or deleted, skipped`);
      return 'already-finished';
    }

    const images = await this.tasks.loadImagesForProcessing(taskId);
    const { readings, timings } = await this.digitReading.read(images.map((image) => image.bytes));
    this.metrics.recordInference(readings, timings);

    const previews = await Promise.all(
      readings.map((reading) => (reading.input ? encodeInputPreview(reading.input) : null)),
    );
    const outcomes = readings.map((reading, index) => ({
      position: images[index].position,
      digit: reading.digit,
      confidence: reading.confidence,
      probabilities: reading.probabilities,
      errorCode: reading.error?.code ?? null,
      errorMessage: reading.error ? `${images[index].filename}: ${reading.error.message}` : null,
      inputPng: previews[index],
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

  /** Called when Bull gives up on a job: the task fails once, with the last reason. */
  async onFailed(job: Job<PredictDigitsJobData>, error: Error): Promise<void> {
    const isFinal = job.attemptsMade >= (job.opts.attempts ?? PREDICT_DIGITS_ATTEMPTS);
    if (!isFinal) {
      this.logger.warn(
        `Job ${job.id} (task ${job.data.taskId}) attempt ${job.attemptsMade} failed, will retry: ${error.message}`,
      );
      return;
    }
    this.logger.error(
      `Job ${job.id} (task ${job.data.taskId}) failed after ${job.attemptsMade} attempts: ${error.message}`,
      error.stack,
    );
    await this.tasks.failTask(
      job.data.taskId,
      `Processing failed after ${job.attemptsMade} attempts: ${error.message}`,
    );
  }
}

function round(milliseconds: number): number {
  return Math.round(milliseconds * 10) / 10;
}
