import type * as tf from '@tensorflow/tfjs';

import type { TensorFlowModule } from '../tfjs/tensorflow-runtime';

export const IMAGE_SIZE = 28;
export const CLASS_COUNT = 10;

/** Name of the last layer; training skips it and works on logits for a stable loss. */
export const SOFTMAX_LAYER_NAME = 'probabilities';

const DROPOUT_RATE = 0.4;

/**
 * The digit network (about 4.6M multiply-adds per image, 0.2 ms on one wasm core):
 *
 *   28x28x1 → conv 5x5 24 → BN → ReLU → max-pool 2 → 14x14x24
 *           → conv 3x3 48 → BN → ReLU → max-pool 2 → 7x7x48
 *           → conv 3x3 96 → BN → ReLU → max-pool 2 → 3x3x96
 *           → flatten → dense 128 → ReLU → dropout 0.4 → dense 10 → softmax
 *
 * Pooling always follows the ReLU: the wasm MaxPoolGrad of tfjs 4.22 drops the gradient of
 * windows whose inputs are all negative. Layer names are fixed so that weights saved by one
 * process load in another. Initialisers are seeded, so the same seed builds the same network.
 */
export function buildDigitNetwork(tf: TensorFlowModule, seed: number): tf.Sequential {
  const model = tf.sequential({ name: 'lensq-digits' });
  let seedOffset = 0;
  const nextSeed = () => seed * 1000 + seedOffset++;

  model.add(tf.layers.inputLayer({ inputShape: [IMAGE_SIZE, IMAGE_SIZE, 1], name: 'image' }));
  [
    { filters: 24, kernelSize: 5 },
    { filters: 48, kernelSize: 3 },
    { filters: 96, kernelSize: 3 },
  ].forEach(({ filters, kernelSize }, index) => {
    const block = `block${index + 1}`;
    model.add(
      tf.layers.conv2d({
        name: `${block}_conv`,
        filters,
        kernelSize,
        padding: 'same',
        // The batch normalisation that follows makes a bias redundant.
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
      }),
    );
    model.add(tf.layers.batchNormalization({ name: `${block}_norm` }));
    model.add(tf.layers.reLU({ name: `${block}_relu` }));
    model.add(tf.layers.maxPooling2d({ name: `${block}_pool`, poolSize: 2 }));
  });

  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(
    tf.layers.dense({
      name: 'hidden',
      units: 128,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: nextSeed() }),
    }),
  );
  model.add(tf.layers.dropout({ name: 'dropout', rate: DROPOUT_RATE }));
  model.add(
    tf.layers.dense({
      name: 'logits',
      units: CLASS_COUNT,
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
    }),
  );
  model.add(tf.layers.softmax({ name: SOFTMAX_LAYER_NAME }));

  return model;
}

/** Multiply-adds per image of the convolution and dense layers (the rest is negligible). */
export function countMultiplyAdds(model: tf.LayersModel): number {
  let total = 0;

  for (const layer of model.layers) {
    const className = layer.getClassName();
    const [kernel] = layer.getWeights();
    if (className === 'Conv2D') {
      const [, outputHeight, outputWidth] = layer.outputShape as number[];
      total += outputHeight * outputWidth * kernel.size;
    } else if (className === 'Dense') {
      total += kernel.size;
    }
  }

  return total;
}

/** Number of parameters, trainable and not (the batch-norm statistics). */
export function countParameters(model: tf.LayersModel): number {
  return model.countParams();
}
