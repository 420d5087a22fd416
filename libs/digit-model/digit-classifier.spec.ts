import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { loadTensorFlow } from '../tfjs/tensorflow-runtime';
import { DigitClassifier } from './digit-classifier';
import { DirectoryModelHandler } from './directory-model-handler';
import { DigitModelMetadata, METADATA_FILE } from './model-metadata';
import { buildDigitNetwork } from './network';

const METADATA: DigitModelMetadata = {
  name: 'test-digits',
  version: '9.9.9',
  trainedAt: '2026-01-01T00:00:00.000Z',
  mnistTestAccuracy: 0.5,
  seed: 3,
  epochs: 1,
};

function makeImages(count: number): Float32Array[] {
  return Array.from({ length: count }, (_, index) =>
    Float32Array.from({ length: 784 }, (_, pixel) => ((pixel * (index + 3)) % 17) / 16),
  );
}

describe(DigitClassifier.name, () => {
  let directory: string;
  let model: tf.Sequential;

  beforeAll(async () => {
    const { tf } = await loadTensorFlow();
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-model-'));
    model = buildDigitNetwork(tf, 3);
    await model.save(new DirectoryModelHandler(directory));
    await writeFile(path.join(directory, METADATA_FILE), JSON.stringify(METADATA));
  });

  afterAll(async () => {
    model.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  it('should predict what the saved model predicts', async () => {
    const { tf } = await loadTensorFlow();
    const images = makeImages(3);
    const batch = tf.stack(images.map((image) => tf.tensor3d(image, [28, 28, 1])));
    const original = (model.predict(batch) as tf.Tensor).arraySync() as number[][];

    const sut = await DigitClassifier.load(directory);
    const predictions = sut.predict(images);

    // Not bit for bit: the classifier folds batch normalisation into the convolutions.
    predictions.forEach(({ probabilities }, image) =>
      probabilities.forEach((probability, digit) =>
        expect(Math.abs(probability - original[image][digit])).toBeLessThan(1e-6),
      ),
    );
    sut.dispose();
  });

  it('should expose the backend and the metadata', async () => {
    const sut = await DigitClassifier.load(directory);

    expect(sut.backend).toBe('wasm');
    expect(sut.metadata).toEqual(METADATA);
    sut.dispose();
  });

  it('should return probabilities that sum to one, one result per image', async () => {
    const sut = await DigitClassifier.load(directory);

    const predictions = sut.predict(makeImages(5));

    expect(predictions).toHaveLength(5);
    predictions.forEach(({ probabilities }) => {
      expect(probabilities).toHaveLength(10);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
    expect(sut.predict([])).toEqual([]);
    sut.dispose();
  });

  it('should reject an image of the wrong size', async () => {
    const sut = await DigitClassifier.load(directory);

    expect(() => sut.predict([new Float32Array(100)])).toThrow(
      'Image 0 has 100 values; expected 784',
    );
    sut.dispose();
  });
});
