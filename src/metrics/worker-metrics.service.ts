import { InjectQueue } from '@nestjs/bull';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { DigitReading, DigitReadingTimings } from '../../libs/digit-reading/digit-reader';
import { DigitReadingService } from '../inference/digit-reading.service';
import { isFinalFailure } from '../queue/job-outcome';
import { QueueName } from '../queue/queue.constants';

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * One worker process's Prometheus registry, served by WorkerMetricsServer. Every worker exposes
 * only what it did itself, so Prometheus's sum over instances is the cluster's total, and a
 * restarted worker's counters start again from zero as counters are meant to.
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap {
  readonly registry = new Registry();

  private readonly tasks = new Counter({
    name: 'lensq_tasks_total',
    help: 'Prediction jobs this worker ran, by outcome: completed, skipped (already finished elsewhere), retried, failed (for good)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly queueWait = new Histogram({
    name: 'lensq_queue_wait_seconds',
    help: 'Time a job waited in the queue before this worker started it',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly jobDuration = new Histogram({
    name: 'lensq_job_duration_seconds',
    help: 'Time this worker spent on a job, from start to finish',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly batchSize = new Histogram({
    name: 'lensq_inference_batch_size',
    help: 'Images scored in one forward pass of the model, which may serve several jobs at once',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });

  private readonly inferenceDuration = new Histogram({
    name: 'lensq_inference_duration_seconds',
    help: 'Time of one forward pass of the model',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly decodeDuration = new Histogram({
    name: 'lensq_decode_duration_seconds',
    help: 'Time to decode and normalise the images of one job',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly images = new Counter({
    name: 'lensq_images_total',
    help: 'Images read, by predicted digit ("none" when no digit was read: blank, not a digit, or corrupt)',
    labelNames: ['digit'] as const,
    registers: [this.registry],
  });

  private readonly modelInfo = new Gauge({
    name: 'lensq_model_info',
    help: 'The model this worker runs: always 1, with its version and TensorFlow.js backend',
    labelNames: ['version', 'backend'] as const,
    registers: [this.registry],
  });

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
    private readonly digitReading: DigitReadingService,
  ) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** After module init, so the model is loaded; the queue's local events are this process's jobs. */
  onApplicationBootstrap(): void {
    this.modelInfo.set(
      { version: this.digitReading.modelVersion, backend: this.digitReading.backend },
      1,
    );
    this.digitReading.onForwardPass(({ images, ms }) => this.recordForwardPass(images, ms));
    this.queue.on('completed', (job: Job, outcome: unknown) => this.recordCompleted(job, outcome));
    this.queue.on('failed', (job: Job) => this.recordFailed(job));
  }

  /** One forward pass of the model, shared by the jobs whose images were waiting for it. */
  recordForwardPass(images: number, ms: number): void {
    this.batchSize.observe(images);
    this.inferenceDuration.observe(ms / 1000);
  }

  /** Called by the processor after each read of a task's images. */
  recordInference(readings: DigitReading[], timings: DigitReadingTimings): void {
    this.decodeDuration.observe(timings.decodeMs / 1000);
    for (const reading of readings) {
      this.images.inc({ digit: reading.digit === null ? 'none' : String(reading.digit) });
    }
  }

  recordCompleted(job: Job, outcome: unknown): void {
    this.tasks.inc({ outcome: outcome === 'already-finished' ? 'skipped' : 'completed' });
    this.recordTimes(job);
  }

  recordFailed(job: Job): void {
    this.tasks.inc({ outcome: isFinalFailure(job) ? 'failed' : 'retried' });
    this.recordTimes(job);
  }

  private recordTimes(job: Job): void {
    if (job.processedOn === undefined) return;
    // Only the first attempt waited in the queue; a retry's wait is its backoff.
    if (job.attemptsMade <= 1) {
      this.queueWait.observe(Math.max(0, job.processedOn - job.timestamp) / 1000);
    }
    if (job.finishedOn !== undefined) {
      this.jobDuration.observe(Math.max(0, job.finishedOn - job.processedOn) / 1000);
    }
  }
}
