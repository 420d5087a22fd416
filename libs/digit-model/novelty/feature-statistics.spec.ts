import { fitFeatureStatistics, NearestClassDistance, quantile } from './feature-statistics';

describe(fitFeatureStatistics.name, () => {
  function cluster(centre: number[], count: number, seed: number): Float32Array[] {
    let state = seed;
    const random = () => (state = (state * 16807) % 2147483647) / 2147483647 - 0.5;
    return Array.from({ length: count }, () =>
      Float32Array.from(centre, (value) => value + random()),
    );
  }

  it('should score points near a class mean low and far points high', () => {
    const features = [...cluster([0, 0, 0], 200, 3), ...cluster([10, 10, 10], 200, 5)];
    const labels = [...new Array<number>(200).fill(0), ...new Array<number>(200).fill(1)];

    const sut = new NearestClassDistance(fitFeatureStatistics(features, labels, 2));

    expect(sut.score([0.1, -0.1, 0])).toBeLessThan(1);
    expect(sut.score([9.9, 10.2, 10])).toBeLessThan(1);
    expect(sut.score([5, 5, 5])).toBeGreaterThan(100);
  });

  it('should keep a constant (always zero) feature invertible', () => {
    const features = cluster([1, 2, 0], 100, 7).map((feature) =>
      Float32Array.of(feature[0], feature[1], 0),
    );

    const sut = new NearestClassDistance(fitFeatureStatistics(features, new Array(100).fill(0), 1));

    expect(Number.isFinite(sut.score([1, 2, 0]))).toBe(true);
  });
});

describe(NearestClassDistance.name, () => {
  it('should equal the direct (x − μ)ᵀP(x − μ) minimum over classes', () => {
    const statistics = {
      dimension: 2,
      means: [
        [1, 2],
        [-3, 0.5],
      ],
      precision: [2, 0.5, 0.5, 1],
    };
    const direct = (x: number[]) =>
      Math.min(
        ...statistics.means.map(([m0, m1]) => {
          const [d0, d1] = [x[0] - m0, x[1] - m1];
          return d0 * (2 * d0 + 0.5 * d1) + d1 * (0.5 * d0 + d1);
        }),
      );

    const sut = new NearestClassDistance(statistics);

    for (const x of [
      [0, 0],
      [1, 2],
      [-3, 0.5],
      [7.5, -4.25],
    ]) {
      expect(sut.score(x)).toBeCloseTo(direct(x), 9);
    }
  });
});

describe(quantile.name, () => {
  it('should return the value below which the fraction lies', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);

    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
  });
});

describe(quantile.name, () => {
  it('should refuse to set a threshold from no values rather than return undefined', () => {
    expect(() => quantile([], 0.99)).toThrow('No held-out digits to set thresholds from');
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
  });
});
