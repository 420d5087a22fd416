import type * as tf from '@tensorflow/tfjs';

import { MNIST_PIXELS } from '../../mnist/mnist-dataset';
import type { TensorFlowModule } from '../../tfjs/tensorflow-runtime';
import { CLASS_COUNT, IMAGE_SIZE, SOFTMAX_LAYER_NAME } from '../network';
import { augmentDigit } from './augmentation';
import { SeededRandom } from './seeded-random';

/** A batch of augmented images (NHWC floats) and their labels. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  size: number;
}

/** Augments the images at `batchOrder` into one batch. */
export function buildBatch(
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
export function trainStep(
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
        correctCount = tf.keep(tf.sum<tf.Scalar>(isCorrect));
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
export function setLearningRate(optimizer: tf.AdamOptimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
