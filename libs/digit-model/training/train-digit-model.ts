import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { loadMnist, MNIST_PIXELS, MnistDataset, MnistSplit } from '../../mnist/mnist-dataset';
import {
  loadTensorFlow,
  TensorFlowBackendName,
  TensorFlowModule,
} from '../../tfjs/tensorflow-runtime';
import { DigitClassifier } from '../digit-classifier';
import { DirectoryModelHandler } from '../directory-model-handler';
import { evaluateMnist, MnistEvaluation, toFloatImage } from '../evaluate-mnist';
import { DigitModelMetadata, METADATA_FILE } from '../model-metadata';
import { buildDigitNetwork, countMultiplyAdds } from '../network';
import { learningRateAt } from './learning-rate-schedule';
import { SeededRandom } from './seeded-random';
import {
  EpochSummary,
  readCheckpointState,
  restoreCheckpoint,
  saveCheckpoint,
  TrainingState,
} from './training-checkpoint';
import { formatDuration, formatEpoch, percent } from './training-log';
import { recalibrateBatchNormalization } from './batch-norm-recalibration';
import { buildBatch, setLearningRate, trainStep } from './training-step';

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
  /**
   * Generated non-digits appended to each batch and trained towards "no digit more likely than
   * another", so that confidence means something on scribbles and blots; 0 trains on digits only.
   */
  nonDigitsPerBatch: number;
  /** Weight of the non-digits' loss against the digits'. */
  nonDigitLossWeight: number;
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

/** What every step of a run needs. */
interface TrainingSession {
  tf: TensorFlowModule;
  backend: TensorFlowBackendName;
  model: tf.LayersModel;
  optimizer: tf.AdamOptimizer;
  options: TrainingOptions;
  multiplyAdds: number;
  log: (line: string) => void;
  /** The clean (not augmented) training digits, whose statistics batch normalisation takes. */
  cleanImages: Float32Array[];
}

/**
 * Training digits measured to recalibrate batch normalisation after each epoch, for the
 * validation figure; the saved model is recalibrated on all of them. On the committed run, all
 * 55,000 gave 24 validation errors where the first 10,000 gave 27.
 */
const RECALIBRATION_IMAGES_PER_EPOCH = 10_000;

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
  const trainingImages = toFloatImages(training);
  const session: TrainingSession = {
    tf,
    backend,
    model,
    optimizer,
    options,
    log,
    multiplyAdds: countMultiplyAdds(model),
    cleanImages: trainingImages,
  };
  log(
    `backend ${backend}; ${training.count} training and ${validation.count} validation images; ` +
      `${(session.multiplyAdds / 1e6).toFixed(2)}M multiply-adds and ${model.countParams()} ` +
      'parameters\n',
  );

  const state = await initialState(session, training.count);
  const stepsPerEpoch = Math.ceil(training.count / options.batchSize);

  for (let epoch = state.epochsCompleted + 1; epoch <= options.epochs; epoch++) {
    const summary = trainEpoch(session, trainingImages, training.labels, epoch, state.step);
    const perEpochImages = trainingImages.slice(0, RECALIBRATION_IMAGES_PER_EPOCH);
    recalibrateBatchNormalization(tf, model, perEpochImages);
    summary.validationAccuracy = evaluateModel(session, validation).accuracy;

    state.epochsCompleted = epoch;
    state.step += stepsPerEpoch;
    state.elapsedSeconds += summary.seconds;
    state.history.push(summary);
    await saveCheckpoint(tf, checkpointDirectory(options), model, optimizer, state);
    log(formatEpoch(summary, options.epochs, state.elapsedSeconds / state.history.length));

    if (epoch === options.stopAfterEpoch && epoch < options.epochs) {
      log(`stopped after epoch ${epoch}; continue with --resume\n`);
      return buildReport(session, state, mnist.test, false);
    }
  }

  return finish(session, state, mnist.test);
}

function trainEpoch(
  session: TrainingSession,
  images: Float32Array[],
  labels: Uint8Array,
  epoch: number,
  firstStep: number,
): EpochSummary {
  const { tf, model, optimizer, options } = session;
  // Derived from the seed and the epoch only, so that a resumed run sees the same data.
  const order = SeededRandom.forStream(options.seed, 'shuffle', epoch).permutation(images.length);
  const augmentationRandom = SeededRandom.forStream(options.seed, 'augment', epoch);
  const nonDigitRandom = SeededRandom.forStream(options.seed, 'non-digits', epoch);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stepsPerEpoch = Math.ceil(images.length / options.batchSize);
  const totalSteps = stepsPerEpoch * options.epochs;
  const startedAt = Date.now();
  let lossSum = 0;
  let correct = 0;
  let learningRate = 0;

  for (let batchIndex = 0; batchIndex < stepsPerEpoch; batchIndex++) {
    const step = firstStep + batchIndex;
    const start = batchIndex * options.batchSize;
    const batchOrder = order.subarray(start, start + options.batchSize);
    const batch = buildBatch(
      images,
      labels,
      batchOrder,
      augmentationRandom,
      options.nonDigitsPerBatch,
      nonDigitRandom,
    );
    learningRate = learningRateAt(step, totalSteps, options.peakLearningRate);
    setLearningRate(optimizer, learningRate);

    const dropoutSeed = `${options.seed}/${step}`;
    const [loss, batchCorrect] = trainStep(
      tf,
      model,
      optimizer,
      variables,
      batch,
      dropoutSeed,
      options.nonDigitLossWeight,
    );
    lossSum += loss * batchOrder.length;
    correct += batchCorrect;

    const done = batchIndex + 1;
    if (done % options.logEveryBatches === 0 && done < stepsPerEpoch) {
      const seen = Math.min(images.length, done * options.batchSize);
      const seconds = (Date.now() - startedAt) / 1000;
      session.log(
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

/** A fresh state, or the checkpoint's after restoring its weights when resuming. */
async function initialState(
  session: TrainingSession,
  trainingImages: number,
): Promise<TrainingState> {
  const { options } = session;
  const fresh: TrainingState = {
    epochsCompleted: 0,
    step: 0,
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    trainingImages,
    nonDigitsPerBatch: options.nonDigitsPerBatch,
    elapsedSeconds: 0,
    history: [],
  };
  if (!options.shouldResume) {
    return fresh;
  }

  const directory = checkpointDirectory(options);
  const saved = await readCheckpointState(directory);
  if (saved === undefined) {
    throw new Error(`--resume: no checkpoint in ${directory}. Start without --resume.`);
  }
  // The schedule and the data order depend on these, so a mix would not reproduce any run.
  const mismatches = (
    ['seed', 'epochs', 'batchSize', 'trainingImages', 'nonDigitsPerBatch'] as const
  ).filter((key) => saved[key] !== fresh[key]);
  if (mismatches.length > 0) {
    const details = mismatches.map((key) => `${key} ${saved[key]} vs ${fresh[key]}`).join(', ');
    throw new Error(`--resume: the checkpoint was made with other settings (${details}).`);
  }

  await restoreCheckpoint(session.tf, directory, session.model, session.optimizer);
  session.log(`resuming after epoch ${saved.epochsCompleted} (step ${saved.step})\n`);

  return saved;
}

/** Saves the model, its metadata and the report. */
async function finish(
  session: TrainingSession,
  state: TrainingState,
  test: MnistSplit,
): Promise<TrainingReport> {
  const { options } = session;
  recalibrateBatchNormalization(session.tf, session.model, session.cleanImages);
  const report = buildReport(session, state, test, true);

  await mkdir(options.outputDirectory, { recursive: true });
  await session.model.save(new DirectoryModelHandler(options.outputDirectory));
  await writeFile(path.join(options.outputDirectory, METADATA_FILE), toJson(report.metadata));
  await writeFile(path.join(options.outputDirectory, REPORT_FILE), toJson(report));

  const { accuracy, count, correct } = report.test;
  session.log(
    `MNIST test accuracy ${percent(accuracy)} (${count - correct} errors in ${count}); ` +
      `trained ${formatDuration(state.elapsedSeconds)}; saved to ${options.outputDirectory}\n`,
  );

  return report;
}

/** Evaluates the model on the MNIST test images and describes the run. */
function buildReport(
  session: TrainingSession,
  state: TrainingState,
  test: MnistSplit,
  isComplete: boolean,
): TrainingReport {
  const { options, model } = session;
  const testEvaluation = evaluateModel(session, test);
  const metadata: DigitModelMetadata = {
    name: options.modelName,
    version: options.modelVersion,
    trainedAt: new Date().toISOString(),
    mnistTestAccuracy: testEvaluation.accuracy,
    seed: options.seed,
    epochs: options.epochs,
    batchSize: options.batchSize,
    trainingImages: state.trainingImages,
    nonDigitsPerBatch: options.nonDigitsPerBatch,
    multiplyAdds: session.multiplyAdds,
    parameters: model.countParams(),
    backend: session.backend,
    trainingSeconds: Math.round(state.elapsedSeconds),
  };

  return {
    isComplete,
    metadata,
    history: state.history,
    test: testEvaluation,
    multiplyAdds: session.multiplyAdds,
    parameters: model.countParams(),
  };
}

function checkpointDirectory(options: TrainingOptions): string {
  return path.join(options.outputDirectory, CHECKPOINT_DIRECTORY);
}

/** Training images first, the last `validationImages` held out; `limit` trims the former. */
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

function evaluateModel(session: TrainingSession, split: MnistSplit): MnistEvaluation {
  const classifier = new DigitClassifier(session.tf, session.model, session.backend, {
    name: 'in-training',
    version: 'in-training',
    trainedAt: 'in-training',
    seed: session.options.seed,
    epochs: session.options.epochs,
  });

  return evaluateMnist(classifier, split.images, split.labels);
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
