import type * as tf from '@tensorflow/tfjs';

import { MNIST_PIXELS } from '../../mnist/mnist-dataset';
import type { TensorFlowModule } from '../../tfjs/tensorflow-runtime';
import { CLASS_COUNT, IMAGE_SIZE, SOFTMAX_LAYER_NAME } from '../network';
import { augmentDigit } from './augmentation';
import { generateNonDigit } from './non-digit-generator';
import { SeededRandom } from './seeded-random';

/** A batch of augmented digits (NHWC floats) with their labels, then generated non-digits. */
export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  /** Digits first; `labels` has one per digit. */
  digitCount: number;
  /** Non-digits after the digits, trained towards "no digit more likely than another". */
  nonDigitCount: number;
}

/** Augments the images at `batchOrder` into one batch and appends `nonDigitCount` non-digits. */
export function buildBatch(
  images: Float32Array[],
  labels: Uint8Array,
  batchOrder: Int32Array,
  random: SeededRandom,
  nonDigitCount: number,
  nonDigitRandom: SeededRandom,
): Batch {
  const digitCount = batchOrder.length;
  const batchImages = new Float32Array((digitCount + nonDigitCount) * MNIST_PIXELS);
  const batchLabels = new Int32Array(digitCount);
  batchOrder.forEach((imageIndex, position) => {
    batchImages.set(augmentDigit(images[imageIndex], random), position * MNIST_PIXELS);
    batchLabels[position] = labels[imageIndex];
  });
  for (let index = 0; index < nonDigitCount; index++) {
    const image = generateNonDigit(nonDigitRandom);
    batchImages.set(image, (digitCount + index) * MNIST_PIXELS);
  }

  return { images: batchImages, labels: batchLabels, digitCount, nonDigitCount };
}

/**
 * One optimiser step; returns the batch's mean digit loss and number of correct digits. The
 * non-digits add `lossWeight` times their cross-entropy to the uniform distribution
 * (log-sum-exp of the logits minus their mean), which is smallest when no digit stands out.
 */
export function trainStep(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  batch: Batch,
  dropoutSeed: string,
  nonDigitLossWeight = 0,
): [number, number] {
  let correctCount: tf.Scalar | undefined;
  let digitLoss: tf.Scalar | undefined;
  const { digitCount, nonDigitCount } = batch;

  tf.tidy(() => {
    const size = digitCount + nonDigitCount;
    const images = tf.tensor4d(batch.images, [size, IMAGE_SIZE, IMAGE_SIZE, 1]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const oneHot = tf.oneHot(labels, CLASS_COUNT);

    optimizer.minimize(
      (): tf.Scalar => {
        const logits = forwardForTraining(tf, model, images, dropoutSeed);
        const digitLogits = logits.slice([0, 0], [digitCount, CLASS_COUNT]);
        const isCorrect = tf.cast(tf.equal(tf.argMax(digitLogits, 1), labels), 'int32');
        correctCount = tf.keep(tf.sum<tf.Scalar>(isCorrect));
        const loss = tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(oneHot, digitLogits);
        digitLoss = tf.keep(loss.clone());
        if (nonDigitCount === 0) {
          return loss;
        }

        const nonDigitLogits = logits.slice([digitCount, 0], [nonDigitCount, CLASS_COUNT]);
        const toUniform = tf.mean<tf.Scalar>(
          tf.sub(tf.logSumExp(nonDigitLogits, 1), tf.mean(nonDigitLogits, 1)),
        );
        return tf.add<tf.Scalar>(loss, tf.mul(toUniform, nonDigitLossWeight));
      },
      false,
      variables,
    );
  });

  const values: [number, number] = [digitLoss!.dataSync()[0], correctCount!.dataSync()[0]];
  tf.dispose([digitLoss!, correctCount!]);

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
