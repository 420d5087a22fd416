import { inkShapeFeatures, INK_SHAPE_FEATURES } from './ink-shape';

/** A 28x28 image with ink (1) where `isInk(x, y)` holds. */
function draw(isInk: (x: number, y: number) => boolean): Float32Array {
  return Float32Array.from({ length: 784 }, (_, index) =>
    isInk(index % 28, Math.floor(index / 28)) ? 1 : 0,
  );
}

const ring = (x: number, y: number, cx: number, cy: number, radius: number) =>
  Math.abs(Math.hypot(x - cx, y - cy) - radius) < 1.2;

describe(inkShapeFeatures.name, () => {
  it('should give one value per named feature', () => {
    expect(inkShapeFeatures(new Float32Array(784))).toHaveLength(INK_SHAPE_FEATURES.length);
  });

  it('should count the holes of a 0 and an 8, and the pieces of speckle', () => {
    const zero = draw((x, y) => ring(x, y, 14, 14, 7));
    const eight = draw((x, y) => ring(x, y, 14, 9, 4.5) || ring(x, y, 14, 19, 4.5));
    const specks = draw((x, y) => x % 6 === 1 && y % 6 === 1);

    expect(inkShapeFeatures(zero).slice(2)).toEqual([1, 1]);
    expect(inkShapeFeatures(eight).slice(2)).toEqual([1, 2]);
    expect(inkShapeFeatures(specks).slice(2)).toEqual([25, 0]);
  });

  it('should tell a solid blot from a stroke by its mass and strong share', () => {
    const bar = draw((x, y) => x >= 12 && x <= 15 && y >= 4 && y <= 23);
    const blot = draw((x, y) => Math.hypot(x - 14, y - 14) < 10);

    const [barMass, barStrong] = inkShapeFeatures(bar);
    const [blotMass, blotStrong] = inkShapeFeatures(blot);

    expect(barMass).toBeCloseTo(80 / 784, 6);
    expect(barStrong).toBeCloseTo(80 / 784, 6);
    expect(blotMass).toBeGreaterThan(3 * barMass);
    expect(blotStrong).toBeGreaterThan(3 * barStrong);
  });

  it('should not count paper that reaches the border as a hole, nor a single pixel', () => {
    const cup = draw(
      (x, y) => (x === 8 || x === 20 || y === 20) && y >= 6 && y <= 20 && x >= 8 && x <= 20,
    );
    const pinhole = draw(
      (x, y) => x >= 10 && x <= 12 && y >= 10 && y <= 12 && !(x === 11 && y === 11),
    );

    expect(inkShapeFeatures(cup)[3]).toBe(0);
    expect(inkShapeFeatures(pinhole)[3]).toBe(0);
  });
});
