import { loadTensorFlow } from '../tfjs/tensorflow-runtime';
import { buildDigitNetwork, countMultiplyAdds } from './network';

describe(buildDigitNetwork.name, () => {
  it('should map a 28x28 image to ten probabilities with about 4.6M multiply-adds', async () => {
    const { tf } = await loadTensorFlow();

    const sut = buildDigitNetwork(tf, 1);

    const output = sut.predict(tf.zeros([2, 28, 28, 1])) as import('@tensorflow/tfjs').Tensor;
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
