import { createHash } from 'node:crypto';

import { DETECTOR_NON_DIGIT_FAMILIES, generateNonDigit } from './non-digit-generator';
import { SeededRandom } from './seeded-random';

describe(generateNonDigit.name, () => {
  const generate = (count: number, seed = 5, families = DETECTOR_NON_DIGIT_FAMILIES) => {
    const random = SeededRandom.forStream(seed, 'non-digits');
    return Array.from({ length: count }, () => generateNonDigit(random, families));
  };

  it("should draw the classifier's non-digits exactly as the committed model was trained with", () => {
    // The committed weights depend on this stream: a change here is a change of the model.
    const random = SeededRandom.forStream(5, 'non-digits');
    const hash = createHash('sha256');
    for (let index = 0; index < 40; index += 1) {
      hash.update(generateNonDigit(random));
    }

    expect(hash.digest('hex')).toBe(
      '9aa5c6cc865911170fe86cc775ad6ddccd2f3e5e1a843085cd2b38d724e57036',
    );
  });

  it('should give the same images for the same seed and others for another', () => {
    expect(generate(20)).toEqual(generate(20));
    expect(generate(20, 6)).not.toEqual(generate(20));
  });

  it('should frame ink the way uploads are framed: in [0, 1], inside 20 px, centred by mass', () => {
    for (const image of generate(200)) {
      let [mass, sumX, sumY] = [0, 0, 0];
      let [left, right, top, bottom] = [28, -1, 28, -1];
      image.forEach((value, index) => {
        const [x, y] = [index % 28, Math.floor(index / 28)];
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
        mass += value;
        sumX += value * x;
        sumY += value * y;
        if (value > 0) {
          [left, right, top, bottom] = [
            Math.min(left, x),
            Math.max(right, x),
            Math.min(top, y),
            Math.max(bottom, y),
          ];
        }
      });

      expect(mass).toBeGreaterThan(5);
      expect(Math.max(right - left, bottom - top) + 1).toBeLessThanOrEqual(20);
      expect(Math.abs(sumX / mass - 14)).toBeLessThan(3);
      expect(Math.abs(sumY / mass - 14)).toBeLessThan(3);
    }
  });
});
