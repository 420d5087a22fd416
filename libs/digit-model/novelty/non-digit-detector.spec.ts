import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { INK_SHAPE_FEATURES } from './ink-shape';
import {
  detectorInput,
  NON_DIGIT_DETECTOR_FILE,
  NonDigitDetector,
  NonDigitDetectorFile,
} from './non-digit-detector';

/** A detector that only looks at the first layer unit: P = σ(4·(x₀ − 1)). */
function detectorFile(): NonDigitDetectorFile {
  const dimension = 2 + INK_SHAPE_FEATURES.length;
  return {
    layer: 'hidden',
    inkShapeFeatures: [...INK_SHAPE_FEATURES],
    regression: {
      mean: [1, ...new Array<number>(dimension - 1).fill(0)],
      scale: new Array<number>(dimension).fill(1),
      weights: [4, ...new Array<number>(dimension - 1).fill(0)],
      bias: 0,
    },
    rejectAbove: 0.9,
    unusualAbove: 0.6,
    fit: {
      seed: 1,
      digits: 2,
      nonDigits: 2,
      l2: 1,
      iterations: 1,
      loss: 0,
      heldOutDigits: 0,
      unusualQuantile: 0.99,
      rejectQuantile: 0.999,
    },
  };
}

describe(NonDigitDetector.name, () => {
  const image = new Float32Array(784);

  it('should refuse above rejectAbove and doubt above unusualAbove', () => {
    const sut = new NonDigitDetector(detectorFile());

    expect(sut.judge([0, 0], image)).toMatchObject({ isNonDigit: false, isUnusual: false });
    expect(sut.judge([1.2, 0], image)).toMatchObject({ isNonDigit: false, isUnusual: true });
    expect(sut.judge([2, 0], image)).toMatchObject({ isNonDigit: true, isUnusual: true });
    expect(sut.judge([1, 0], image).probability).toBeCloseTo(0.5, 10);
  });

  it('should append the ink-shape measurements to the layer output', () => {
    expect(detectorInput([7, 8], image)).toEqual([7, 8, 0, 0, 0, 0]);
  });

  it('should load from a model directory, and be absent from one without the file', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'lensq-detector-file-'));
    try {
      expect(await NonDigitDetector.load(directory)).toBeNull();

      await writeFile(
        path.join(directory, NON_DIGIT_DETECTOR_FILE),
        JSON.stringify(detectorFile()),
      );
      expect((await NonDigitDetector.load(directory))?.layer).toBe('hidden');

      await writeFile(path.join(directory, NON_DIGIT_DETECTOR_FILE), '{ not json');
      await expect(NonDigitDetector.load(directory)).rejects.toThrow(
        `Cannot read ${NON_DIGIT_DETECTOR_FILE} in ${directory}`,
      );
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
