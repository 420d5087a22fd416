import { augmentDigit, centreOfMass } from './augmentation';
import { SeededRandom } from './seeded-random';

/** A 28x28 "1"-like stroke: a vertical bar of full ink, centred. */
function makeDigit(): Float32Array {
  const image = new Float32Array(784);
  for (let y = 6; y < 22; y++) {
    for (let x = 13; x < 16; x++) {
      image[y * 28 + x] = 1;
    }
  }

  return image;
}

function inkSum(image: Float32Array): number {
  return image.reduce((total, value) => total + value, 0);
}

describe(augmentDigit.name, () => {
  it('should give the same output for the same seed', () => {
    const image = makeDigit();

    const first = augmentDigit(image, SeededRandom.forStream(7, 'augment', 1));
    const second = augmentDigit(image, SeededRandom.forStream(7, 'augment', 1));

    expect(Array.from(first)).toEqual(Array.from(second));
  });

  it('should give different outputs for different seeds', () => {
    const image = makeDigit();

    const first = augmentDigit(image, SeededRandom.forStream(7, 'augment', 1));
    const second = augmentDigit(image, SeededRandom.forStream(7, 'augment', 2));

    expect(Array.from(first)).not.toEqual(Array.from(second));
  });

  it('should keep the shape, the value range, most of the ink and the centre', () => {
    const image = makeDigit();
    const random = SeededRandom.forStream(3, 'sanity');

    for (let trial = 0; trial < 200; trial++) {
      const sut = augmentDigit(image, random);

      expect(sut.length).toBe(784);
      expect(Math.min(...sut)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...sut)).toBeLessThanOrEqual(1);
      expect(inkSum(sut)).toBeGreaterThan(0.3 * inkSum(image));
      expect(inkSum(sut)).toBeLessThan(3 * inkSum(image));
      const [x, y] = centreOfMass(sut);
      expect(Math.hypot(x - 14, y - 13.5)).toBeLessThan(5);
    }
  });

  it('should not change the input image', () => {
    const image = makeDigit();
    const copy = Float32Array.from(image);

    augmentDigit(image, SeededRandom.forStream(1));

    expect(Array.from(image)).toEqual(Array.from(copy));
  });
});
