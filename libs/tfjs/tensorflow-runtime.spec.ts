import { loadTensorFlow } from './tensorflow-runtime';

describe(loadTensorFlow.name, () => {
  it('should start the wasm backend once and share it', async () => {
    const sut = await loadTensorFlow();

    expect(sut.backend).toBe('wasm');
    expect(sut.tf.getBackend()).toBe('wasm');
    expect(await loadTensorFlow()).toBe(sut);
  });

  it('should register the convolution gradient kernels for wasm', async () => {
    const { tf } = await loadTensorFlow();

    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm')).toBeDefined();
  });
});
