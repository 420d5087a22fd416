import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { loadMnist, MNIST_PIXELS, MnistDataset } from '../../mnist/mnist-dataset';
import { WEIGHTS_FILE } from '../directory-model-handler';
import { TrainingOptions, trainDigitModel } from './train-digit-model';

const SHARED_MNIST = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'data', 'mnist');
const TEST_IMAGES = 500;

describe(trainDigitModel.name, () => {
  let directory: string;
  let dataset: MnistDataset | undefined;
  let options: TrainingOptions;
  const ignoreLog = () => undefined;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-training-'));
    if (existsSync(SHARED_MNIST)) {
      const mnist = await loadMnist(SHARED_MNIST);
      // A slice of the test set keeps the final evaluation quick.
      const test = {
        count: TEST_IMAGES,
        images: mnist.test.images.subarray(0, TEST_IMAGES * MNIST_PIXELS),
        labels: mnist.test.labels.subarray(0, TEST_IMAGES),
      };
      dataset = { train: mnist.train, test };
    }
    options = {
      dataDirectory: SHARED_MNIST,
      outputDirectory: path.join(directory, 'straight'),
      epochs: 2,
      batchSize: 32,
      seed: 11,
      limit: 256,
      shouldResume: false,
      shouldDownload: false,
      peakLearningRate: 0.003,
      nonDigitsPerBatch: 4,
      nonDigitLossWeight: 0.5,
      validationImages: 500,
      logEveryBatches: 1000,
      modelName: 'test-digits',
      modelVersion: '0.0.0',
    };
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('should lower the loss, and resume from a checkpoint to exactly the same model', async () => {
    if (dataset === undefined) {
      process.stdout.write(`skipped: no MNIST data at ${SHARED_MNIST}\n`);
      return;
    }
    const resumedOptions = { ...options, outputDirectory: path.join(directory, 'resumed') };

    const straight = await trainDigitModel(options, ignoreLog, dataset);
    const stopped = await trainDigitModel(
      { ...resumedOptions, stopAfterEpoch: 1 },
      ignoreLog,
      dataset,
    );
    const resumed = await trainDigitModel(
      { ...resumedOptions, shouldResume: true },
      ignoreLog,
      dataset,
    );

    expect(straight.isComplete).toBe(true);
    expect(straight.history[1].loss).toBeLessThan(straight.history[0].loss);
    expect(straight.metadata).toMatchObject({
      seed: 11,
      epochs: 2,
      trainingImages: 256,
      nonDigitsPerBatch: 4,
    });
    expect(stopped.isComplete).toBe(false);
    expect(stopped.history).toHaveLength(1);
    const lossesOf = (report: typeof straight) => report.history.map((epoch) => epoch.loss);
    expect(lossesOf(resumed)).toEqual(lossesOf(straight));
    expect(resumed.test.confusionMatrix).toEqual(straight.test.confusionMatrix);
    const straightWeights = await readFile(path.join(options.outputDirectory, WEIGHTS_FILE));
    const resumedWeights = await readFile(path.join(resumedOptions.outputDirectory, WEIGHTS_FILE));
    expect(resumedWeights.equals(straightWeights)).toBe(true);
  }, 60000);

  it('should refuse to resume without a checkpoint', async () => {
    const act = trainDigitModel(
      { ...options, outputDirectory: path.join(directory, 'empty'), shouldResume: true },
      ignoreLog,
      dataset ?? {
        train: { count: 6000, images: new Uint8Array(6000 * 784), labels: new Uint8Array(6000) },
        test: { count: 0, images: new Uint8Array(0), labels: new Uint8Array(0) },
      },
    );

    await expect(act).rejects.toThrow('--resume: no checkpoint in');
  });
});
