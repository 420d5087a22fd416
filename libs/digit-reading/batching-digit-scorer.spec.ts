import { BatchingDigitScorer } from './batching-digit-scorer';
import { DigitScore } from './digit-reader';

/** A scorer whose answer for an image is its first pixel, so mix-ups are visible. */
function setup(options = { windowMs: 0, maxBatchSize: 256 }) {
  const batches: number[] = [];
  const scorer = {
    predict: jest.fn((inputs: Float32Array[]): DigitScore[] => {
      batches.push(inputs.length);
      return inputs.map((input) => ({ probabilities: [input[0]] }));
    }),
  };
  const sut = new BatchingDigitScorer(scorer, options);
  return { sut, scorer, batches };
}

function images(...firstPixels: number[]): Float32Array[] {
  return firstPixels.map((value) => Float32Array.of(value));
}

describe(BatchingDigitScorer.name, () => {
  it('should merge requests made together into one pass and give each its own scores', async () => {
    const { sut, batches } = setup();

    const [first, second, third] = await Promise.all([
      sut.predict(images(1, 2)),
      sut.predict(images(3)),
      sut.predict(images(4, 5, 6)),
    ]);

    expect(batches).toEqual([6]);
    expect(first.map((score) => score.probabilities[0])).toEqual([1, 2]);
    expect(second.map((score) => score.probabilities[0])).toEqual([3]);
    expect(third.map((score) => score.probabilities[0])).toEqual([4, 5, 6]);
  });

  it('should split at the largest batch size without splitting a request', async () => {
    const { sut, batches } = setup({ windowMs: 0, maxBatchSize: 4 });

    const results = await Promise.all([
      sut.predict(images(1, 2, 3)),
      sut.predict(images(4, 5)),
      sut.predict(images(6, 7, 8, 9, 10)),
    ]);

    expect(batches).toEqual([3, 2, 5]);
    expect(results.flat().map((score) => score.probabilities[0])).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });

  it('should reject every request of a pass that failed, and serve later ones', async () => {
    const { sut, scorer } = setup();
    scorer.predict.mockImplementationOnce(() => {
      throw new Error('out of memory');
    });

    const failed = Promise.all([sut.predict(images(1)), sut.predict(images(2))]);
    await expect(failed).rejects.toThrow('out of memory');

    await expect(sut.predict(images(3))).resolves.toEqual([{ probabilities: [3] }]);
  });

  it('should answer an empty request at once without a pass', async () => {
    const { sut, scorer } = setup();

    await expect(sut.predict([])).resolves.toEqual([]);
    expect(scorer.predict).not.toHaveBeenCalled();
  });
});
