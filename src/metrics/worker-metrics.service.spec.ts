import { EventEmitter } from 'node:events';
import type { Job } from 'bull';

import { DigitReading } from '../../libs/digit-reading/digit-reader';
import { DigitReadingService } from '../inference/digit-reading.service';
import { WorkerMetrics } from './worker-metrics.service';

function aReading(digit: number | null): DigitReading {
  return {
    digit,
    confidence: digit === null ? null : 0.9,
    probabilities: digit === null ? null : Array.from({ length: 10 }, () => 0.1),
    uncertain: false,
    doubts: [],
    error: digit === null ? { code: 'blank-image', message: 'no ink' } : null,
    input: null,
  };
}

function aJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'task-1',
    timestamp: 1_000,
    processedOn: 1_250,
    finishedOn: 1_750,
    attemptsMade: 1,
    opts: { attempts: 5 },
    ...overrides,
  } as Job;
}

function setup() {
  const queue = new EventEmitter();
  const forwardPass = new EventEmitter();
  const digitReading = {
    modelVersion: '1.2.3',
    backend: 'wasm',
    onForwardPass: (listener) => {
      forwardPass.on('pass', listener);
    },
  } as Pick<DigitReadingService, 'modelVersion' | 'backend' | 'onForwardPass'>;
  const sut = new WorkerMetrics(queue as never, digitReading as DigitReadingService);
  sut.onApplicationBootstrap();
  return { sut, queue, forwardPass };
}

async function valueOf(sut: WorkerMetrics, name: string, labels: Record<string, string> = {}) {
  const metric = await sut.registry.getSingleMetric(name)!.get();
  const sample = metric.values.find((value) =>
    Object.entries(labels).every(([key, label]) => String(value.labels[key]) === label),
  );
  return sample?.value;
}

describe(WorkerMetrics.name, () => {
  it('should record each image by predicted digit, and the decode time', async () => {
    const { sut } = setup();

    sut.recordInference([aReading(7), aReading(7), aReading(null)], {
      decodeMs: 12,
      inferenceMs: 40,
    });

    expect(await valueOf(sut, 'lensq_images_total', { digit: '7' })).toBe(2);
    expect(await valueOf(sut, 'lensq_images_total', { digit: 'none' })).toBe(1);
    expect(await valueOf(sut, 'lensq_decode_duration_seconds', { le: '0.025' })).toBe(1);
  });

  it('should record the size and time of each shared forward pass, not of each job', async () => {
    const { sut, forwardPass } = setup();

    forwardPass.emit('pass', { images: 24, requests: 3, ms: 9 });
    sut.recordInference([aReading(7)], { decodeMs: 1, inferenceMs: 9 });

    expect(await valueOf(sut, 'lensq_inference_batch_size', { le: '16' })).toBe(0);
    expect(await valueOf(sut, 'lensq_inference_batch_size', { le: '32' })).toBe(1);
    expect(await valueOf(sut, 'lensq_inference_duration_seconds', { le: '0.01' })).toBe(1);
    expect(await sut.registry.metrics()).toContain('lensq_inference_batch_size_count 1');
  });

  it('should count completed and skipped jobs from the queue, with their wait', async () => {
    const { sut, queue } = setup();

    queue.emit('completed', aJob(), 'completed');
    queue.emit('completed', aJob({ processedOn: 1_100 }), 'already-finished');

    expect(await valueOf(sut, 'lensq_tasks_total', { outcome: 'completed' })).toBe(1);
    expect(await valueOf(sut, 'lensq_tasks_total', { outcome: 'skipped' })).toBe(1);
    expect(await sut.registry.metrics()).toContain('lensq_queue_wait_seconds_sum 0.35');
  });

  it('should tell a retried attempt from a final failure', async () => {
    const { sut, queue } = setup();

    // Bull sets finishedOn only once it gives up on a job, which may be before the last attempt.
    queue.emit('failed', aJob({ attemptsMade: 1, finishedOn: undefined }), new Error('db hiccup'));
    queue.emit('failed', aJob({ attemptsMade: 5 }), new Error('db down'));
    queue.emit(
      'failed',
      aJob({ attemptsMade: 0 }),
      new Error('job stalled more than allowable limit'),
    );

    expect(await valueOf(sut, 'lensq_tasks_total', { outcome: 'retried' })).toBe(1);
    expect(await valueOf(sut, 'lensq_tasks_total', { outcome: 'failed' })).toBe(2);
  });

  it('should publish the model version and backend', async () => {
    const { sut } = setup();

    expect(await valueOf(sut, 'lensq_model_info', { version: '1.2.3', backend: 'wasm' })).toBe(1);
  });
});
