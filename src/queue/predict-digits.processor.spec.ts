import type { Job } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { DigitReadingService } from '../inference/digit-reading.service';
import { PredictionTask, PredictionTaskStatus } from '../persistence/prediction-task.entity';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { PredictDigitsProcessor } from './predict-digits.processor';
import { PredictDigitsJobData } from './queue.constants';

function jobFor(taskId: string, attemptsMade = 0): Job<PredictDigitsJobData> {
  return {
    id: taskId,
    data: { taskId },
    attemptsMade,
    opts: { attempts: 3 },
  } as unknown as Job<PredictDigitsJobData>;
}

function setup() {
  const task = {
    id: 'task-1',
    status: PredictionTaskStatus.Active,
    createdAt: new Date(1000),
    startedAt: new Date(1250),
  } as PredictionTask;
  const tasks = {
    markActive: jest.fn().mockResolvedValue(task),
    loadImagesForProcessing: jest.fn().mockResolvedValue([
      { position: 0, filename: 'seven.png', bytes: Buffer.from('a') },
      { position: 1, filename: 'broken.png', bytes: Buffer.from('b') },
    ]),
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

    const outcome = await sut.process(jobFor('task-1'));

    expect(outcome).toBe('completed');
    const [taskId, outcomes, timings, modelVersion] = tasks.completeTask.mock.calls[0];
    expect(taskId).toBe('task-1');
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
    tasks.markActive.mockResolvedValue(null);

    const outcome = await sut.process(jobFor('task-1'));

    expect(outcome).toBe('already-finished');
    expect(digitReading.read).not.toHaveBeenCalled();
    expect(tasks.completeTask).not.toHaveBeenCalled();
  });

  it('should let a failure propagate so that Bull retries it', async () => {
    const { sut, digitReading } = setup();
    digitReading.read.mockRejectedValue(new Error('connection reset'));

    await expect(sut.process(jobFor('task-1'))).rejects.toThrow('connection reset');
  });

  it('should fail the task only once the last attempt failed', async () => {
    const { sut, tasks } = setup();

    await sut.onFailed(jobFor('task-1', 1), new Error('flaky'));
    await sut.onFailed(jobFor('task-1', 3), new Error('still broken'));

    expect(tasks.failTask).toHaveBeenCalledTimes(1);
    expect(tasks.failTask).toHaveBeenCalledWith('task-1', expect.stringContaining('still broken'));
  });
});
