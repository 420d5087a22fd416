import type * as tf from '@tensorflow/tfjs';

import { stackImages } from '../network';
import type { TensorFlowModule } from '../../tfjs/tensorflow-runtime';

/** Images per forward pass: the first block's activations of 500 images take about 38 MB. */
const CHUNK = 500;

/**
 * Replaces every batch normalisation's moving mean and variance with the exact statistics of
 * its input over `images` (clean digits), layer after layer, each measured through the layers
 * before it as inference will run them.
 *
 * Why: the moving averages are gathered from training batches, and those hold augmented digits
 * and generated non-digits (one in nine images), whose statistics differ from the digits the
 * model reads. Measured on an early checkpoint, validation accuracy went from 98.04% with the
 * moving averages to 98.88% with recalibrated statistics. Only inference uses these statistics
 * (training normalises with each batch's own), so recalibrating never changes what is learnt,
 * and doing it twice gives the same numbers.
 */
export function recalibrateBatchNormalization(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  images: Float32Array[],
): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') {
      continue;
    }
    const upToLayer = tf.model({ inputs: model.inputs, outputs: layer.input });
    const { mean, variance } = channelStatistics(tf, upToLayer, images);

    const [gamma, beta] = layer.getWeights();
    tf.tidy(() =>
      layer.setWeights([
        gamma,
        beta,
        tf.tensor1d(Float32Array.from(mean)),
        tf.tensor1d(Float32Array.from(variance)),
      ]),
    );
  }
}

/**
 * Mean and (population) variance per channel of a model's output over all images: each chunk's
 * mean and centred sum of squares, merged in double precision (Chan et al.), which keeps the
 * variance accurate where summing raw squares in float32 would not.
 */
function channelStatistics(
  tf: TensorFlowModule,
  model: tf.LayersModel,
  images: Float32Array[],
): { mean: Float64Array; variance: Float64Array } {
  let mean: Float64Array | undefined;
  let squaredDeviations: Float64Array | undefined;
  let count = 0;

  for (let start = 0; start < images.length; start += CHUNK) {
    const chunk = images.slice(start, start + CHUNK);
    const [chunkMean, chunkVariance, chunkCount] = tf.tidy(() => {
      const output = model.predict(stackImages(tf, chunk)) as tf.Tensor4D;
      const moments = tf.moments(output, [0, 1, 2]);
      const [batchSize, height, width] = output.shape;
      return [moments.mean.dataSync(), moments.variance.dataSync(), batchSize * height * width];
    });

    mean ??= new Float64Array(chunkMean.length);
    squaredDeviations ??= new Float64Array(chunkMean.length);
    const total = count + chunkCount;
    for (let channel = 0; channel < chunkMean.length; channel++) {
      const delta = chunkMean[channel] - mean[channel];
      mean[channel] += (delta * chunkCount) / total;
      squaredDeviations[channel] +=
        chunkVariance[channel] * chunkCount + (delta * delta * count * chunkCount) / total;
    }
    count = total;
  }

  return { mean: mean!, variance: squaredDeviations!.map((value) => value / count) };
}
