import { loadTensorFlow } from '../../tfjs/tensorflow-runtime';
import { buildDigitNetwork } from '../network';
import { recalibrateBatchNormalization } from './batch-norm-recalibration';

function images(count: number, seed: number): Float32Array[] {
  let state = seed;
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: 784 }, () => {
      state = (state * 16807) % 2147483647;
      return state / 2147483647;
    }),
  );
}

describe(recalibrateBatchNormalization.name, () => {
  it('should set each moving mean and variance to the statistics of that layer input', async () => {
    const { tf } = await loadTensorFlow();
    const model = buildDigitNetwork(tf, 3);
    const inputs = images(1100, 9);
    const firstNorm = model.getLayer('block1_norm');

    recalibrateBatchNormalization(tf, model, inputs);

    const [, , movingMean, movingVariance] = firstNorm.getWeights();
    const { mean, variance } = tf.tidy(() => {
      const upToNorm = tf.model({
        inputs: model.inputs,
        outputs: firstNorm.input,
      });
      const batch = new Float32Array(inputs.length * 784);
      inputs.forEach((image, index) => batch.set(image, index * 784));
      const output = upToNorm.predict(tf.tensor4d(batch, [inputs.length, 28, 28, 1])) as never;
      const moments = tf.moments(output, [0, 1, 2]);
      return { mean: moments.mean.arraySync(), variance: moments.variance.arraySync() };
    });
    (movingMean.arraySync() as number[]).forEach((value, channel) =>
      expect(value).toBeCloseTo((mean as number[])[channel], 3),
    );
    (movingVariance.arraySync() as number[]).forEach((value, channel) =>
      expect(value).toBeCloseTo((variance as number[])[channel], 3),
    );
  });

  it('should give the same statistics when run again', async () => {
    const { tf } = await loadTensorFlow();
    const model = buildDigitNetwork(tf, 4);
    const inputs = images(300, 2);
    const statistics = () =>
      model.layers
        .filter((layer) => layer.getClassName() === 'BatchNormalization')
        .flatMap((layer) =>
          layer
            .getWeights()
            .slice(2)
            .map((weight) => weight.arraySync()),
        );

    recalibrateBatchNormalization(tf, model, inputs);
    const first = statistics();
    recalibrateBatchNormalization(tf, model, inputs);

    expect(statistics()).toEqual(first);
  });
});
