import * as tf from '@tensorflow/tfjs';

import { registerBatchNormGradient } from './batch-norm-gradient';

/** Gradients of a weighted sum of a batch normalisation with respect to all its inputs. */
function batchNormGradients(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 5, 4, 6], 1, 2, 'float32', 1);
    const mean = tf.randomNormal([6], 0, 1, 'float32', 2);
    const variance = tf.randomUniform([6], 0.5, 2, 'float32', 3);
    const offset = tf.randomNormal([6], 0, 1, 'float32', 4);
    const scale = tf.randomNormal([6], 1, 0.5, 'float32', 5);
    const weights = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 6);
    const loss = (...inputs: tf.Tensor[]) => {
      const [input, mu, sigma2, beta, gamma] = inputs as tf.Tensor4D[];
      return tf.sum(tf.mul(tf.batchNorm4d(input, mu, sigma2, beta, gamma, 0.001), weights));
    };

    return tf
      .grads(loss)([x, mean, variance, offset, scale])
      .map((gradient) => gradient.dataSync() as Float32Array);
  });
}

describe(registerBatchNormGradient.name, () => {
  it('should give the same gradients as the stock tfjs gradient', async () => {
    await tf.setBackend('cpu');
    const expected = batchNormGradients();

    registerBatchNormGradient();
    const actual = batchNormGradients();

    actual.forEach((gradient, index) => {
      const scale = Math.max(1, ...Array.from(expected[index], Math.abs));
      gradient.forEach((value, position) => {
        expect(Math.abs(value - expected[index][position]) / scale).toBeLessThan(1e-5);
      });
    });
  });
});
