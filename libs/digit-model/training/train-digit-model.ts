import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { loadMnist, MNIST_PIXELS, MnistDataset, MnistSplit } from '../../mnist/mnist-dataset';
import { loadTensorFlow, TensorFlowModule } from '../../tfjs/tensorflow-runtime';
import { DigitClassifier } from '../digit-classifier';
import { DirectoryModelHandler } from '../directory-model-handler';
import { evaluateMnist, MnistEvaluation, toFloatImage } from '../evaluate-mnist';
import { DigitModelMetadata, METADATA_FILE } from '../model-metadata';
import {
  buildDigitNetwork,
  CLASS_COUNT,
  countMultiplyAdds,
  IMAGE_SIZE,
  SOFTMAX_LAYER_NAME,
} from '../network';
import { augmentDigit } from './augmentation';
import { learningRateAt } from './learning-rate-schedule';
import { SeededRandom } from './seeded-random';
import {
  EpochSummary,
  readCheckpointState,
  restoreCheckpoint,
  saveCheckpoint,
  TrainingState,
} from './training-checkpoint';

export interface TrainingOptions {
  /** Directory holding the four MNIST files. */
  dataDirectory: string;
  /** Where the final model, its metadata and the report go; checkpoints go to its `checkpoints/`. */
  outputDirectory: string;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Train on only the first N training images (quick runs, CI). Default: all but validation. */
  limit?: number;
  /** Continue from the checkpoint in `<outputDirectory>/checkpoints`. */
  shouldResume: boolean;
  /** Stop after this epoch, leaving a checkpoint for `shouldResume` (splits a long run). */
  stopAfterEpoch?: number;
  /** Download missing MNIST files first. */
  shouldDownload: boolean;
  peakLearningRate: number;
  /** How many of the last training images are held out for validation. */
  validationImages: number;
  /** Log progress every N batches (and at each epoch's end). */
  logEveryBatches: number;
  modelName: string;
  modelVersion: string;
}

export interface TrainingReport {
  /** False when the run stopped early at `stopAfterEpoch`; nothing was saved but the checkpoint. */
  isComplete: boolean;
  metadata: DigitModelMetadata;
  history: EpochSummary[];
  test: MnistEvaluation;
  multiplyAdds: number;
  parameters: number;
}

export const CHECKPOINT_DIRECTORY = 'checkpoints';
export const REPORT_FILE = 'training-report.json';

/**
 * Trains the digit network on MNIST with on-the-fly augmentation, checkpointing after each epoch,
 * then saves the model with its metadata and a report including the MNIST test accuracy.
 * Deterministic: the same options give the same model, resumed or not.
 */
export async function trainDigitModel(
  options: TrainingOptions,
  log: (line: string) => void,
  /** Already loaded MNIST data; by default it is read from `options.dataDirectory`. */
  dataset?: MnistDataset,
): Promise<TrainingReport> {
  const { tf, backend } = await loadTensorFlow();
  const mnist =
    dataset ?? (await loadMnist(options.dataDirectory, { shouldDownload: options.shouldDownload }));
  const { training, validation } = splitTraining(mnist.train, options);
  const model = buildDigitNetwork(tf, options.seed);
  const optimizer = tf.train.adam(options.peakLearningRate);
  const checkpointDirectory = path.join(options.outputDirectory, CHECKPOINT_DIRECTORY);
  const multiplyAdds = countMultiplyAdds(model);
  log(
    `backend ${backend}; ${training.count} training and ${validation.count} validation images; ` +
      `${(multiplyAdds / 1e6).toFixed(2)}M multiply-adds and ${model.countParams()} parameters per image\n`,
  );

  const state = await initialState(
    tf,
    options,
    training.count,
    checkpointDirectory,
    model,
    optimizer,
    log,
  );
  const trainingImages = toFloatImages(training);
  const stepsPerEpoch = Math.ceil(training.count / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;

  for (let epoch = state.epochsCompleted + 1; epoch <= options.epochs; epoch++) {
    const summary = trainEpoch(tf, model, optimizer, trainingImages, training.labels, {
      options,
      epoch,
      firstStep: state.step,
      totalSteps,
      log,
    });
    summary.validationAccuracy = evaluateModel(tf, model, backend, validation).accuracy;

    state.epochsCompleted = epoch;
    state.step += stepsPerEpoch;
    state.elapsedSeconds += summary.seconds;
    state.history.push(summary);
    await saveCheckpoint(tf, checkpointDirectory, model, optimizer, state);
    log(formatEpoch(summary, options.epochs, state.elapsedSeconds / state.history.length));

    if (epoch === options.stopAfterEpoch && epoch < options.epochs) {
      log(`stopped after epoch ${epoch}; continue with --resume\n`);
      return buildReport(tf, model, backend, options, state, mnist.test, multiplyAdds, false);
    }
  }

  return finish(tf, model, backend, options, state, mnist.test, multiplyAdds, log);
}

interface EpochContext {
  options: TrainingOptions;
  epoch: number;
  firstStep: number;
  totalSteps: number;
  log: (line: string) => void;
}

function trainEpoch(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  optimizer: tf.AdamOptimizer,
  images: Float32Array[],
  labels: Uint8Array,
  context: EpochContext,
): EpochSummary {
  const { options, epoch } = context;
  // Derived from the seed and the epoch only, so that a resumed run sees the same data.
  const order = SeededRandom.forStream(options.seed, 'shuffle', epoch).permutation(images.length);
  const augmentationRandom = SeededRandom.forStream(options.seed, 'augment', epoch);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(images.length / options.batchSize);
  const startedAt = Date.now();
  let lossSum = 0;
  let correct = 0;
  let learningRate = 0;

  for (let batchIndex = 0; batchIndex < stepsPerEpoch; batchIndex++) {
    const step = context.firstStep + batchIndex;
    const batchOrder = order.subarray(
      batchIndex * options.batchSize,
      (batchIndex + 1) * options.batchSize,
    );
    const batch = buildBatch(images, labels, batchOrder, augmentationRandom);
    learningRate = learningRateAt(step, context.totalSteps, options.peakLearningRate);
    setLearningRate(optimizer, learningRate);

    const [loss, batchCorrect] = trainStep(
      tf,
      model,
      optimizer,
      variables,
      batch,
      `${options.seed}/${step}`,
    );
    lossSum += loss * batchOrder.length;
    correct += batchCorrect;

    const done = batchIndex + 1;
    if (done % options.logEveryBatches === 0 && done < stepsPerEpoch) {
      const seen = Math.min(images.length, done * options.batchSize);
      const seconds = (Date.now() - startedAt) / 1000;
      context.log(
        `epoch ${epoch}/${options.epochs} batch ${done}/${stepsPerEpoch} ` +
          `loss ${(lossSum / seen).toFixed(4)} accuracy ${percent(correct / seen)} ` +
          `lr ${learningRate.toExponential(2)} ${Math.round(seen / seconds)} images/s ` +
          `epoch ETA ${formatDuration((seconds / done) * (stepsPerEpoch - done))}\n`,
      );
    }
  }

  const seconds = (Date.now() - startedAt) / 1000;

  return {
    epoch,
    loss: lossSum / images.length,
    accuracy: correct / images.length,
    validationAccuracy: 0,
    learningRate,
    imagesPerSecond: images.length / seconds,
    seconds,
  };
}

interface Batch {
  images: Float32Array;
  labels: Int32Array;
  size: number;
}

function buildBatch(
  images: Float32Array[],
  labels: Uint8Array,
  batchOrder: Int32Array,
  random: SeededRandom,
): Batch {
  const batchImages = new Float32Array(batchOrder.length * MNIST_PIXELS);
  const batchLabels = new Int32Array(batchOrder.length);
  batchOrder.forEach((imageIndex, position) => {
    batchImages.set(augmentDigit(images[imageIndex], random), position * MNIST_PIXELS);
    batchLabels[position] = labels[imageIndex];
  });

  return { images: batchImages, labels: batchLabels, size: batchOrder.length };
}

/** One optimiser step; returns the batch's mean loss and number of correct answers. */
function trainStep(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  batch: Batch,
  dropoutSeed: string,
): [number, number] {
  let correctCount: tf.Scalar | undefined;

  const loss = tf.tidy(() => {
    const images = tf.tensor4d(batch.images, [batch.size, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const oneHot = tf.oneHot(labels, CLASS_COUNT);

    return optimizer.minimize(
      () => {
        const logits = forwardForTraining(tf, model, images, dropoutSeed);
        const isCorrect = tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32');
        correctCount = tf.keep(tf.sum(isCorrect) as tf.Scalar);
        return tf.losses.softmaxCrossEntropy(oneHot, logits);
      },
      true,
      variables,
    ) as tf.Scalar;
  });

  const values: [number, number] = [loss.dataSync()[0], correctCount!.dataSync()[0]];
  tf.dispose([loss, correctCount!]);

  return values;
}

/**
 * Runs the layers in training mode up to the logits. Dropout is applied here with a seed per
 * step: the Dropout layer's own seed would draw the same mask at every step.
 */
function forwardForTraining(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  images: tf.Tensor,
  dropoutSeed: string,
): tf.Tensor {
  let output = images;

  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer' || layer.name === SOFTMAX_LAYER_NAME) {
      continue;
    }
    if (className === 'Dropout') {
      const rate = (layer.getConfig() as { rate: number }).rate;
      output = tf.dropout(output, rate, undefined, dropoutSeed);
      continue;
    }
    output = layer.apply(output, { training: true }) as tf.Tensor;
  }

  return output;
}

/** tfjs reads `learningRate` at every step but offers no setter. */
function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

async function initialState(
  tf: TensorFlowModule,
  options: TrainingOptions,
  trainingImages: number,
  checkpointDirectory: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  log: (line: string) => void,
): Promise<TrainingState> {
  const fresh: TrainingState = {
    epochsCompleted: 0,
    step: 0,
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    trainingImages,
    elapsedSeconds: 0,
    history: [],
  };
  if (!options.shouldResume) {
    return fresh;
  }

  const saved = await readCheckpointState(checkpointDirectory);
  if (saved === undefined) {
    throw new Error(`--resume: no checkpoint in ${checkpointDirectory}. Start without --resume.`);
  }
  const mismatches = (['seed', 'epochs', 'batchSize', 'trainingImages'] as const).filter(
    (key) => saved[key] !== fresh[key],
  );
  if (mismatches.length > 0) {
    const details = mismatches.map((key) => `${key} ${saved[key]} vs ${fresh[key]}`).join(', ');
    throw new Error(`--resume: the checkpoint was made with other settings (${details}).`);
  }

  await restoreCheckpoint(tf, checkpointDirectory, model, optimizer);
  log(`resuming after epoch ${saved.epochsCompleted} (step ${saved.step})\n`);

  return saved;
}

async function finish(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  backend: DigitClassifier['backend'],
  options: TrainingOptions,
  state: TrainingState,
  test: MnistSplit,
  multiplyAdds: number,
  log: (line: string) => void,
): Promise<TrainingReport> {
  const report = buildReport(tf, model, backend, options, state, test, multiplyAdds, true);
  const testEvaluation = report.test;

  await mkdir(options.outputDirectory, { recursive: true });
  await model.save(new DirectoryModelHandler(options.outputDirectory));
  await writeFile(path.join(options.outputDirectory, METADATA_FILE), toJson(report.metadata));
  await writeFile(path.join(options.outputDirectory, REPORT_FILE), toJson(report));
  log(
    `MNIST test accuracy ${percent(testEvaluation.accuracy)} ` +
      `(${testEvaluation.count - testEvaluation.correct} errors in ${testEvaluation.count}); ` +
      `trained ${formatDuration(state.elapsedSeconds)}; saved to ${options.outputDirectory}\n`,
  );

  return report;
}

/** Evaluates the model on the MNIST test images and describes the run. */
function buildReport(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  backend: DigitClassifier['backend'],
  options: TrainingOptions,
  state: TrainingState,
  test: MnistSplit,
  multiplyAdds: number,
  isComplete: boolean,
): TrainingReport {
  const testEvaluation = evaluateModel(tf, model, backend, test);
  const metadata: DigitModelMetadata = {
    name: options.modelName,
    version: options.modelVersion,
    trainedAt: new Date().toISOString(),
    mnistTestAccuracy: testEvaluation.accuracy,
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    trainingImages: state.trainingImages,
    multiplyAdds,
    parameters: model.countParams(),
    backend,
    trainingSeconds: Math.round(state.elapsedSeconds),
  };

  return {
    isComplete,
    metadata,
    history: state.history,
    test: testEvaluation,
    multiplyAdds,
    parameters: model.countParams(),
  };
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function splitTraining(
  train: MnistSplit,
  options: TrainingOptions,
): { training: MnistSplit; validation: MnistSplit } {
  const validationStart = train.count - options.validationImages;
  const trainingCount = Math.min(options.limit ?? validationStart, validationStart);
  if (trainingCount <= 0) {
    throw new Error(
      `No training images left: ${train.count} images, ${options.validationImages} for validation.`,
    );
  }

  return {
    training: sliceSplit(train, 0, trainingCount),
    validation: sliceSplit(train, validationStart, train.count),
  };
}

function sliceSplit(split: MnistSplit, start: number, end: number): MnistSplit {
  return {
    count: end - start,
    images: split.images.subarray(start * MNIST_PIXELS, end * MNIST_PIXELS),
    labels: split.labels.subarray(start, end),
  };
}

function toFloatImages(split: MnistSplit): Float32Array[] {
  return Array.from({ length: split.count }, (_, index) => toFloatImage(split.images, index));
}

function evaluateModel(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  backend: DigitClassifier['backend'],
  split: MnistSplit,
): MnistEvaluation {
  const classifier = new DigitClassifier(tf, model, backend, {
    name: 'in-training',
    version: 'in-training',
    trainedAt: 'in-training',
    seed: 0,
    epochs: 0,
  });

  return evaluateMnist(classifier, split.images, split.labels);
}

function formatEpoch(summary: EpochSummary, epochs: number, secondsPerEpoch: number): string {
  return (
    `epoch ${summary.epoch}/${epochs} done: loss ${summary.loss.toFixed(4)} ` +
    `accuracy ${percent(summary.accuracy)} validation ${percent(summary.validationAccuracy)} ` +
    `${Math.round(summary.imagesPerSecond)} images/s ${formatDuration(summary.seconds)} ` +
    `ETA ${formatDuration(secondsPerEpoch * (epochs - summary.epoch))}\n`
  );
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);

  return minutes > 0 ? `${minutes}m${Math.round(seconds % 60)}s` : `${Math.round(seconds)}s`;
}
