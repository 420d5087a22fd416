import { SeededRandom } from './seeded-random';

describe(SeededRandom.name, () => {
  it('should repeat its sequence for the same seed and stream', () => {
    const first = SeededRandom.forStream(42, 'shuffle', 3);
    const second = SeededRandom.forStream(42, 'shuffle', 3);

    expect(Array.from({ length: 5 }, () => first.next())).toEqual(
      Array.from({ length: 5 }, () => second.next()),
    );
  });

  it('should give different sequences for different streams', () => {
    const sut = SeededRandom.forStream(42, 'shuffle', 3).next();

    expect(sut).not.toBe(SeededRandom.forStream(42, 'shuffle', 4).next());
  });

  it('should make permutations of every index', () => {
    const sut = SeededRandom.forStream(1).permutation(100);

    expect(Array.from(sut).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('should draw uniform values in [0, 1) with a mean near one half', () => {
    const sut = new SeededRandom(9);

    const values = Array.from({ length: 10000 }, () => sut.next());

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});
