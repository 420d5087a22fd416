import * as tf from '@tensorflow/tfjs';

import { loadTensorFlow } from './tensorflow-runtime';
import { registerWasmGradientKernels } from './wasm-gradient-kernels';

interface ConvolutionCase {
  inputShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: 1 | 2;
  pad: 'same' | 'valid';
}

const CASES: ConvolutionCase[] = [
  { inputShape: [2, 8, 8, 1], filterShape: [5, 5, 1, 4], strides: 1, pad: 'same' },
  { inputShape: [3, 7, 7, 3], filterShape: [3, 3, 3, 5], strides: 1, pad: 'valid' },
  { inputShape: [2, 9, 6, 2], filterShape: [3, 2, 2, 3], strides: 1, pad: 'same' },
  { inputShape: [2, 8, 8, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { inputShape: [2, 9, 9, 2], filterShape: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { inputShape: [1, 10, 7, 2], filterShape: [4, 4, 2, 2], strides: 2, pad: 'same' },
];

/** Runs `compute` on the given backend and returns plain values, so backends can be compared. */
async function onBackend(
  backend: 'cpu' | 'wasm',
  compute: () => tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = compute();
  const values = await Promise.all(tensors.map((tensor) => tensor.data() as Promise<Float32Array>));
  tf.dispose(tensors);

  return values;
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  const worst = Math.max(
    ...Array.from(actual, (value, index) => Math.abs(value - expected[index])),
  );
  expect(worst / scale).toBeLessThan(1e-4);
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

describe(registerWasmGradientKernels.name, () => {
  beforeAll(async () => {
    // Registers the kernels on the wasm backend.
    await loadTensorFlow();
  });

  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(CASES)('should match the cpu convolution gradients for %j', async (convolution) => {
    const gradients = () => {
      const x = randomTensor(convolution.inputShape, 1) as tf.Tensor4D;
      const filter = randomTensor(convolution.filterShape, 2) as tf.Tensor4D;
      const weighting = (output: tf.Tensor) => randomTensor(output.shape, 3);
      const loss = (input: tf.Tensor, kernel: tf.Tensor) => {
        const output = tf.conv2d(
          input as tf.Tensor4D,
          kernel as tf.Tensor4D,
          convolution.strides,
          convolution.pad,
        );
        return tf.sum(tf.mul(output, weighting(output)));
      };

      return tf.grads(loss)([x, filter]);
    };

    const expected = await onBackend('cpu', gradients);
    const sut = await onBackend('wasm', gradients);

    expectClose(sut[0], expected[0]);
    expectClose(sut[1], expected[1]);
  });

  it('should match the cpu gradient of a small convolutional network', async () => {
    const gradients = () => {
      const x = randomTensor([4, 12, 12, 1], 4);
      const first = randomTensor([5, 5, 1, 6], 5);
      const second = randomTensor([3, 3, 6, 8], 6);
      const dense = randomTensor([3 * 3 * 8, 10], 7);
      const labels = tf.oneHot(tf.tensor1d([1, 4, 7, 9], 'int32'), 10);
      const loss = (firstKernel: tf.Tensor, secondKernel: tf.Tensor, denseKernel: tf.Tensor) => {
        const hidden = tf.maxPool(
          tf.relu(tf.conv2d(x as tf.Tensor4D, firstKernel as tf.Tensor4D, 1, 'same')),
          2,
          2,
          'valid',
        );
        const deeper = tf.maxPool(
          tf.relu(tf.conv2d(hidden, secondKernel as tf.Tensor4D, 1, 'same')),
          2,
          2,
          'valid',
        );
        const logits = tf.matMul(deeper.reshape([4, -1]), denseKernel);
        return tf.losses.softmaxCrossEntropy(labels, logits);
      };

      return tf.grads(loss)([first, second, dense]);
    };

    const expected = await onBackend('cpu', gradients);
    const sut = await onBackend('wasm', gradients);

    expected.forEach((gradient, index) => expectClose(sut[index], gradient));
  });
});
