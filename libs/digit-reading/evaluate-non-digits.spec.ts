import sharp from 'sharp';

import { DigitReader, DigitScorer } from './digit-reader';
import { evaluateNonDigits } from './evaluate-non-digits';
import { nonDigitSamples } from './non-digit-samples';

describe(nonDigitSamples.name, () => {
  it('should draw the same uploads every time, each a readable PNG with a unique name', async () => {
    const first = nonDigitSamples();
    const second = nonDigitSamples();

    expect(first.map((sample) => sample.png)).toEqual(second.map((sample) => sample.png));
    expect(new Set(first.map((sample) => sample.name)).size).toBe(first.length);
    const metadata = await sharp(first[0].png).metadata();
    expect(metadata).toMatchObject({ format: 'png', width: 160, height: 160 });
  });

  it('should cover every kind of non-digit', () => {
    const kinds = new Set(nonDigitSamples().map((sample) => sample.kind));

    expect([...kinds].sort()).toEqual([
      'empty',
      'letter',
      'noise',
      'pattern',
      'scribble',
      'solid shape',
    ]);
  });
});

describe(evaluateNonDigits.name, () => {
  it('should count no digit and uncertain digits as flagged, confident digits as not', async () => {
    const samples = nonDigitSamples();
    // The first upload has no digit, the second gets an uncertain one, the rest confident ones.
    let call = 0;
    const normalise = async () => {
      call += 1;
      const pixels = new Float32Array(784).fill(call === 2 ? 0.5 : 1);
      return { pixels, isBlank: call === 1 };
    };
    const scorer: DigitScorer = {
      predict: (inputs) =>
        inputs.map((input) => ({
          probabilities: Array.from({ length: 10 }, (_, digit) =>
            digit === 3 ? input[0] : (1 - input[0]) / 9 + 1e-9,
          ),
        })),
    };
    const sut = new DigitReader(normalise, scorer, { uncertainBelow: 0.6 });

    const evaluation = await evaluateNonDigits(sut);

    expect(evaluation.total).toBe(samples.length);
    expect(evaluation.results[0]).toMatchObject({ outcome: 'no digit', error: 'blank-image' });
    expect(evaluation.results[1]).toMatchObject({ outcome: 'uncertain digit', digit: 3 });
    expect(evaluation.results[2]).toMatchObject({ outcome: 'confident digit', digit: 3 });
    expect(evaluation.flagged).toBe(2);
    expect(evaluation.flaggedRate).toBeCloseTo(2 / samples.length);
  });
});
