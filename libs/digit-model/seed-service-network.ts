import type * as tf from '@tensorflow/tfjs';

import type { TensorFlowModule } from '../tfjs/tensorflow-runtime';
import { CLASS_COUNT, IMAGE_SIZE } from './network';

/**
 * The architecture of the first, Python service's Keras model (../shared/data/seed-model):
 * two 3x3 convolutions of 64, max-pool, two 3x3 convolutions of 128 (all valid, ReLU),
 * global average pooling, dropout 0.5, dense 10 softmax; about 38 million multiply-adds.
 * Built here to compare its speed with lensq's network on the same backend.
 */
export function buildSeedServiceNetwork(tf: TensorFlowModule, seed = 1): tf.Sequential {
  const model = tf.sequential({ name: 'seed-service' });
  const convolution = (filters: number, index: number, inputShape?: number[]) =>
    tf.layers.conv2d({
      name: `conv${index}`,
      filters,
      kernelSize: 3,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + index }),
      ...(inputShape ? { inputShape } : {}),
    });

  model.add(convolution(64, 1, [IMAGE_SIZE, IMAGE_SIZE, 1]));
  model.add(convolution(64, 2));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(convolution(128, 3));
  model.add(convolution(128, 4));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: CLASS_COUNT, activation: 'softmax' }));
  return model;
}
