import type { Job } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { DigitReadingService } from '../inference/digit-reading.service';
import { PredictionTask, PredictionTaskStatus } from '../persistence/prediction-task.entity';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { PredictDigitsProcessor } from './predict-digits.processor';
import { MAX_TASK_RUNS, PredictDigitsJobData } from './queue.constants';

const TASK_ID = '0f6b7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';

function jobFor(
  taskId: string,
  attemptsMade = 0,
  extra: Partial<Job<PredictDigitsJobData>> = {},
): Job<PredictDigitsJobData> {
  return {
    id: taskId,
    data: { taskId },
    attemptsMade,
    opts: { attempts: 3 },
    discard: jest.fn(),
    ...extra,
  } as unknown as Job<PredictDigitsJobData>;
}

function setup() {
  const task = {
    id: TASK_ID,
    status: PredictionTaskStatus.Active,
    attempts: 1,
    createdAt: new Date(1000),
    startedAt: new Date(1250),
  } as PredictionTask;
  const tasks = {
    claimForProcessing: jest.fn().mockResolvedValue({
      task,
      images: [
        { position: 0, filename: 'seven.png', bytes: Buffer.from('a') },
        { position: 1, filename: 'broken.png', bytes: Buffer.from('b') },
      ],
    }),
    completeTask: jest.fn().mockResolvedValue(true),
    failTask: jest.fn().mockResolvedValue(undefined),
  };
  const probabilities = Array.from({ length: 10 }, (_, digit) => (digit === 7 ? 0.91 : 0.01));
  const digitReading = {
    modelVersion: 'test-model',
    read: jest.fn().mockResolvedValue({
      readings: [
        { digit: 7, confidence: 0.91, probabilities, error: null, input: null },
        {
          digit: null,
          confidence: null,
          probabilities: null,
          error: { code: 'corrupt-image', message: 'truncated' },
          input: null,
        },
      ],
      timings: { decodeMs: 3.21, inferenceMs: 1.05 },
    }),
  };
  const config = { shouldKeepImagesAfterFinish: false } as AppConfigService;
  const metrics = { recordInference: jest.fn() };
  const sut = new PredictDigitsProcessor(
    tasks as unknown as PredictionTaskRepository,
    digitReading as unknown as DigitReadingService,
    config,
    metrics as unknown as WorkerMetrics,
  );
  return { sut, tasks, digitReading };
}

describe(PredictDigitsProcessor.name, () => {
  it('should save each image outcome in upload order and complete the task', async () => {
    const { sut, tasks } = setup();

    const outcome = await sut.process(jobFor(TASK_ID));

    expect(outcome).toBe('completed');
    const [taskId, outcomes, timings, modelVersion] = tasks.completeTask.mock.calls[0];
    expect(taskId).toBe(TASK_ID);
    expect(outcomes).toEqual([
      expect.objectContaining({ position: 0, digit: 7, confidence: 0.91, errorCode: null }),
      expect.objectContaining({
        position: 1,
        digit: null,
        errorCode: 'corrupt-image',
        errorMessage: 'broken.png: truncated',
      }),
    ]);
    expect(timings).toMatchObject({ queue_wait_ms: 250, decode_ms: 3.2, inference_ms: 1.1 });
    expect(modelVersion).toBe('test-model');
  });

  it('should do nothing for a task that is already finished (a job delivered twice)', async () => {
    const { sut, tasks, digitReading } = setup();
    tasks.claimForProcessing.mockResolvedValue(null);

    const outcome = await sut.process(jobFor(TASK_ID));

    expect(outcome).toBe('already-finished');
    expect(digitReading.read).not.toHaveBeenCalled();
    expect(tasks.completeTask).not.toHaveBeenCalled();
  });

  it('should let a failure propagate so that Bull retries it', async () => {
    const { sut, digitReading } = setup();
    digitReading.read.mockRejectedValue(new Error('connection reset'));

    await expect(sut.process(jobFor(TASK_ID))).rejects.toThrow('connection reset');
  });

  it('should fail the task only once the last attempt failed', async () => {
    const { sut, tasks } = setup();

    await sut.onFailed(jobFor(TASK_ID, 1), new Error('flaky'));
    await sut.onFailed(jobFor(TASK_ID, 3), new Error('still broken'));

    expect(tasks.failTask).toHaveBeenCalledTimes(1);
    expect(tasks.failTask).toHaveBeenCalledWith(TASK_ID, expect.stringContaining('still broken'));
  });

  it('should fail a job that names no task at once, without touching Postgres', async () => {
    const { sut, tasks } = setup();
    const job = jobFor('not-a-task-id');

    await expect(sut.process(job)).rejects.toThrow('names no task');
    await sut.onFailed(Object.assign(job, { finishedOn: 1 }), new Error('Gave up'));

    expect(job.discard).toHaveBeenCalled();
    expect(tasks.claimForProcessing).not.toHaveBeenCalled();
    expect(tasks.failTask).not.toHaveBeenCalled();
  });

  it('should give up, without retries, on a task that has already run too many times', async () => {
    const { sut, tasks, digitReading } = setup();
    tasks.claimForProcessing.mockResolvedValue({
      task: { id: TASK_ID, attempts: MAX_TASK_RUNS + 1 },
      images: [],
    });
    const job = jobFor(TASK_ID);

    await expect(sut.process(job)).rejects.toThrow(`${MAX_TASK_RUNS} runs ended without a result`);

    expect(job.discard).toHaveBeenCalled();
    expect(digitReading.read).not.toHaveBeenCalled();
  });

  it('should fail the task once when its worker died while running it too often', async () => {
    const { sut, tasks } = setup();
    const stalled = jobFor(TASK_ID, 0, { finishedOn: Date.now() });

    await sut.onFailed(stalled, new Error('job stalled more than allowable limit'));

    expect(tasks.failTask).toHaveBeenCalledWith(
      TASK_ID,
      expect.stringContaining('the worker stopped while reading this task'),
    );
  });

  it('should leave the task to the reconciler when the last attempt found Postgres unavailable', async () => {
    const { sut, tasks } = setup();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });

    await sut.onFailed(jobFor(TASK_ID, 3), refused);

    expect(tasks.failTask).not.toHaveBeenCalled();
  });
});
