import { ImageRejectedError } from '../imaging/image-rejected-error';
import { DigitNormaliser, DigitReader, DigitScorer } from './digit-reader';

function digitInput(marker: number): Float32Array {
  const pixels = new Float32Array(784);
  pixels[0] = marker;
  return pixels;
}

function oneHot(digit: number, confidence = 0.9): number[] {
  const rest = (1 - confidence) / 9;
  return Array.from({ length: 10 }, (_, index) => (index === digit ? confidence : rest));
}

describe(DigitReader.name, () => {
  const normalise: DigitNormaliser = async (bytes) => {
    if (bytes[0] === 0) throw new ImageRejectedError('corrupt-image', 'The PNG is truncated');
    if (bytes[0] === 255) return { pixels: new Float32Array(784), isBlank: true };
    return { pixels: digitInput(bytes[0]), isBlank: false };
  };

  it('should score readable images in one batch and keep upload order', async () => {
    const batches: number[] = [];
    const scorer: DigitScorer = {
      predict: (inputs) => {
        batches.push(inputs.length);
        return inputs.map((input) => ({ probabilities: oneHot(input[0] % 10) }));
      },
    };
    const sut = new DigitReader(normalise, scorer);

    const { readings } = await sut.read([
      Uint8Array.of(3),
      Uint8Array.of(0),
      Uint8Array.of(255),
      Uint8Array.of(7),
    ]);

    expect(batches).toEqual([2]);
    expect(readings.map((reading) => reading.digit)).toEqual([3, null, null, 7]);
    expect(readings[0].confidence).toBeCloseTo(0.9);
  });

  it('should give an unreadable image its own error without failing its siblings', async () => {
    const scorer: DigitScorer = {
      predict: (inputs) => inputs.map(() => ({ probabilities: oneHot(1) })),
    };
    const sut = new DigitReader(normalise, scorer);

    const { readings } = await sut.read([Uint8Array.of(0), Uint8Array.of(255), Uint8Array.of(1)]);

    expect(readings[0].error).toEqual({ code: 'corrupt-image', message: 'The PNG is truncated' });
    expect(readings[1].error).toEqual({
      code: 'blank-image',
      message: expect.stringMatching(/^No ink found: .*dark ink on light paper/) as string,
    });
    expect(readings[2]).toMatchObject({ digit: 1, error: null });
  });

  it('should not call the model when no image is readable', async () => {
    const predict = jest.fn();
    const sut = new DigitReader(normalise, { predict });

    const { readings } = await sut.read([Uint8Array.of(0)]);

    expect(predict).not.toHaveBeenCalled();
    expect(readings[0].digit).toBeNull();
  });

  it('should let unexpected normalisation failures propagate so the job is retried', async () => {
    const failing: DigitNormaliser = async () => {
      throw new Error('out of memory');
    };
    const sut = new DigitReader(failing, { predict: jest.fn() });

    await expect(sut.read([Uint8Array.of(1)])).rejects.toThrow('out of memory');
  });

  it('should answer "not a digit" for an image far from every digit', async () => {
    const scorer: DigitScorer = {
      predict: (inputs) =>
        inputs.map((input) => ({
          probabilities: oneHot(4, 0.99),
          novelty: { isNovel: input[0] === 9 },
        })),
    };
    const sut = new DigitReader(normalise, scorer, { uncertainBelow: 0.6 });

    const { readings } = await sut.read([Uint8Array.of(9), Uint8Array.of(8), Uint8Array.of(4)]);

    expect(readings[0]).toMatchObject({
      digit: null,
      uncertain: true,
      error: { code: 'not-a-digit' },
    });
    expect(readings[1]).toMatchObject({ digit: 4, uncertain: false, error: null });
    expect(readings[2]).toMatchObject({ digit: 4, uncertain: false, error: null });
  });

  it("should answer 'not a digit' when the detector says so, and flag what it doubts uncertain", async () => {
    const scorer: DigitScorer = {
      predict: (inputs) =>
        inputs.map((input) => ({
          probabilities: oneHot(0, 0.99),
          novelty: { isNovel: false, isUnusual: false },
          nonDigit: { isNonDigit: input[0] === 9, isUnusual: input[0] >= 8 },
        })),
    };
    const sut = new DigitReader(normalise, scorer, { uncertainBelow: 0.6 });

    const { readings } = await sut.read([Uint8Array.of(9), Uint8Array.of(8), Uint8Array.of(4)]);

    expect(readings[0]).toMatchObject({
      digit: null,
      uncertain: true,
      error: { code: 'not-a-digit', message: expect.stringContaining('one digit per image') },
    });
    expect(readings[1]).toMatchObject({
      digit: 0,
      uncertain: true,
      doubts: ['unlike-a-digit'],
      error: null,
    });
    expect(readings[2]).toMatchObject({ digit: 0, uncertain: false, doubts: [], error: null });
  });

  it('should flag the digit uncertain when the normaliser doubts its strokes', async () => {
    const doubting: DigitNormaliser = async (bytes) => ({
      pixels: digitInput(bytes[0]),
      isBlank: false,
      strokeDoubt:
        bytes[0] === 1
          ? { code: 'solid-ink', message: 'A filled area was taken for background' }
          : undefined,
    });
    const scorer: DigitScorer = {
      predict: (inputs) => inputs.map(() => ({ probabilities: oneHot(0, 0.99) })),
    };
    const sut = new DigitReader(doubting, scorer, { uncertainBelow: 0.6 });

    const { readings } = await sut.read([Uint8Array.of(1), Uint8Array.of(2)]);

    expect(readings[0]).toMatchObject({
      digit: 0,
      uncertain: true,
      doubts: ['solid-ink'],
      error: null,
    });
    expect(readings[1]).toMatchObject({ digit: 0, uncertain: false, doubts: [], error: null });
  });

  it('should answer "not a digit" when the network spreads its probability over all digits', async () => {
    const scorer: DigitScorer = {
      predict: (inputs) =>
        inputs.map((input) => ({ probabilities: oneHot(8, input[0] === 1 ? 0.15 : 0.25) })),
    };
    const sut = new DigitReader(normalise, scorer, { uncertainBelow: 0.6 });

    const { readings } = await sut.read([Uint8Array.of(1), Uint8Array.of(2)]);

    expect(readings[0]).toMatchObject({ digit: null, error: { code: 'not-a-digit' } });
    expect(readings[0].confidence).toBeCloseTo(0.15, 10);
    expect(readings[1]).toMatchObject({
      digit: 8,
      uncertain: true,
      doubts: ['low-confidence'],
      error: null,
    });
  });

  it('should flag a digit read with low confidence as uncertain', async () => {
    const scorer: DigitScorer = {
      predict: (inputs) => inputs.map(() => ({ probabilities: oneHot(2, 0.5) })),
    };
    const sut = new DigitReader(normalise, scorer, { uncertainBelow: 0.6 });

    const { readings } = await sut.read([Uint8Array.of(2)]);

    expect(readings[0]).toMatchObject({ digit: 2, uncertain: true });
  });
});
