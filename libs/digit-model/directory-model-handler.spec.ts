import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { loadTensorFlow } from '../tfjs/tensorflow-runtime';
import { DirectoryModelHandler } from './directory-model-handler';
import { buildDigitNetwork } from './network';

describe(DirectoryModelHandler.name, () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-handler-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('should save model.json and weights.bin that load into identical predictions', async () => {
    const { tf } = await loadTensorFlow();
    const model = buildDigitNetwork(tf, 4);
    const images = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const sut = new DirectoryModelHandler(directory);

    await model.save(sut);
    const loaded = await tf.loadLayersModel(sut);

    expect((await readdir(directory)).sort()).toEqual(['model.json', 'weights.bin']);
    const expected = Array.from((model.predict(images) as tf.Tensor).dataSync());
    expect(Array.from((loaded.predict(images) as tf.Tensor).dataSync())).toEqual(expected);
    model.dispose();
    loaded.dispose();
  });

  it('should say which file is missing', async () => {
    const { tf } = await loadTensorFlow();
    const sut = new DirectoryModelHandler(directory);

    await expect(tf.loadLayersModel(sut)).rejects.toThrow(/model\.json/);
  });
});
