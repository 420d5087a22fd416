import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import type { TensorFlowModule } from '../../tfjs/tensorflow-runtime';
import { DirectoryModelHandler } from '../directory-model-handler';

const STATE_FILE = 'state.json';
const OPTIMIZER_WEIGHTS_FILE = 'optimizer.bin';
const OPTIMIZER_SPECS_FILE = 'optimizer.json';

/** Where a training run stands after an epoch; with the seed it fixes everything that follows. */
export interface TrainingState {
  epochsCompleted: number;
  step: number;
  seed: number;
  epochs: number;
  batchSize: number;
  trainingImages: number;
  nonDigitsPerBatch: number;
  elapsedSeconds: number;
  history: EpochSummary[];
}

export interface EpochSummary {
  epoch: number;
  loss: number;
  accuracy: number;
  validationAccuracy: number;
  learningRate: number;
  imagesPerSecond: number;
  seconds: number;
}

/**
 * Saves the weights, the optimizer's moments and step, and the run's state. The state file is
 * written last and atomically, so a checkpoint interrupted half-way is never picked up.
 */
export async function saveCheckpoint(
  tf: TensorFlowModule,
  directory: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: TrainingState,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  await model.save(new DirectoryModelHandler(directory));

  const optimizerWeights = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(optimizerWeights);
  await writeFile(
    path.join(directory, OPTIMIZER_WEIGHTS_FILE),
    new Uint8Array(toArrayBuffer(encoded.data)),
  );
  await writeFile(path.join(directory, OPTIMIZER_SPECS_FILE), JSON.stringify(encoded.specs));

  const statePath = path.join(directory, STATE_FILE);
  await writeFile(`${statePath}.tmp`, JSON.stringify(state, null, 2));
  await rename(`${statePath}.tmp`, statePath);
}

/** Reads a checkpoint's state, or undefined when the directory holds no complete checkpoint. */
export async function readCheckpointState(directory: string): Promise<TrainingState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(directory, STATE_FILE), 'utf8')) as TrainingState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

/** Copies the checkpoint's weights into `model` and its moments and step into `optimizer`. */
export async function restoreCheckpoint(
  tf: TensorFlowModule,
  directory: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
): Promise<void> {
  const saved = await tf.loadLayersModel(new DirectoryModelHandler(directory));
  model.setWeights(saved.getWeights());
  saved.dispose();

  const specs = JSON.parse(
    await readFile(path.join(directory, OPTIMIZER_SPECS_FILE), 'utf8'),
  ) as tf.io.WeightsManifestEntry[];
  const bytes = await readFile(path.join(directory, OPTIMIZER_WEIGHTS_FILE));
  const tensors = tf.io.decodeWeights(toArrayBuffer(bytes), specs);
  // The optimizer matches moments to variables by position, so keep the saved order.
  await optimizer.setWeights(
    specs.map((spec) => ({ name: spec.name, tensor: tensors[spec.name] })),
  );
}

function toArrayBuffer(data: ArrayBuffer | ArrayBuffer[] | Buffer): ArrayBuffer {
  if (data instanceof ArrayBuffer) {
    return data;
  }
  const joined = Array.isArray(data) ? Buffer.concat(data.map((part) => Buffer.from(part))) : data;

  return joined.buffer.slice(
    joined.byteOffset,
    joined.byteOffset + joined.byteLength,
  ) as ArrayBuffer;
}
