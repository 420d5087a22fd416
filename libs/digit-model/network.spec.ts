import { loadTensorFlow } from '../tfjs/tensorflow-runtime';
import type * as tf from '@tensorflow/tfjs';

import { buildDigitNetwork, countMultiplyAdds, foldBatchNormalization } from './network';

describe(buildDigitNetwork.name, () => {
  it('should map a 28x28 image to ten probabilities with about 4.6M multiply-adds', async () => {
    const { tf } = await loadTensorFlow();

    const sut = buildDigitNetwork(tf, 1);

    const output = sut.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(output.shape).toEqual([2, 10]);
    expect(countMultiplyAdds(sut)).toBe(470400 + 2032128 + 2032128 + 864 * 128 + 128 * 10);
    sut.dispose();
  });

  it('should build the same weights from the same seed', async () => {
    const { tf } = await loadTensorFlow();

    const first = buildDigitNetwork(tf, 5);
    const second = buildDigitNetwork(tf, 5);

    const firstKernel = first.getLayer('block2_conv').getWeights()[0].dataSync();
    const secondKernel = second.getLayer('block2_conv').getWeights()[0].dataSync();
    expect(Array.from(firstKernel)).toEqual(Array.from(secondKernel));
    first.dispose();
    second.dispose();
  });
});

describe(foldBatchNormalization.name, () => {
  it('should predict what the network with batch normalisation predicts, without it', async () => {
    const { tf } = await loadTensorFlow();
    const model = buildDigitNetwork(tf, 2);
    // Statistics far from the initial ones, so that folding them is really tested.
    model.layers
      .filter((layer) => layer.getClassName() === 'BatchNormalization')
      .forEach((layer, index) =>
        layer.setWeights(
          layer
            .getWeights()
            .map((weight, position) =>
              position === 3
                ? tf.randomUniform(weight.shape, 0.2, 3, 'float32', index)
                : tf.randomNormal(weight.shape, position === 0 ? 1 : 0, 0.5, 'float32', index),
            ),
        ),
      );
    const images = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 9);

    const sut = foldBatchNormalization(tf, model);

    const layerNames = sut.layers.map((layer) => layer.name);
    expect(layerNames.some((name) => name.endsWith('_norm'))).toBe(false);
    expect(layerNames).toContain('hidden');
    const expected = (model.predict(images) as tf.Tensor).dataSync();
    const actual = (sut.predict(images) as tf.Tensor).dataSync();
    actual.forEach((value, index) => expect(Math.abs(value - expected[index])).toBeLessThan(1e-5));
  });
});
