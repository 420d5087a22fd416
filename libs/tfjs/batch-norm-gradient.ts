import * as tf from '@tensorflow/tfjs';

/**
 * A faster gradient for `FusedBatchNorm` (the op behind batch normalisation layers).
 *
 * The stock tfjs 4.22 gradient tiles 1/σ to the full shape of x before multiplying, and the
 * Tile kernel made up about a quarter of a training step on wasm. Broadcasting gives the same
 * values without materialising the tiled tensor. Gradients are backend-independent, so this
 * replaces the gradient for every backend in the process.
 */
export function registerBatchNormGradient(): void {
  tf.registerGradient({
    kernelName: tf.FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const gradient = dy as tf.Tensor;
      const [x, mean, variance, scale] = saved;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      const scaleValue = scale ?? tf.scalar(1);
      const reductionAxes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const reduce = (value: tf.Tensor) =>
        tf.reshape(reductionAxes.length > 0 ? tf.sum(value, reductionAxes) : value, mean.shape);
      const inverseDeviation = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const centred = tf.sub(x, mean);

      return {
        x: () => tf.mul(gradient, tf.mul(inverseDeviation, scaleValue)),
        mean: () => tf.mul(reduce(gradient), tf.mul(tf.neg(inverseDeviation), scaleValue)),
        variance: () =>
          tf.mul(
            reduce(tf.mul(gradient, centred)),
            tf.mul(tf.mul(tf.pow(inverseDeviation, 3), tf.scalar(-0.5)), scaleValue),
          ),
        scale: () => tf.mul(reduce(tf.mul(gradient, centred)), inverseDeviation),
        offset: () => reduce(gradient),
      };
    },
  });
}
