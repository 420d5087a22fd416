import { fitFeatureStatistics, noveltyScore, quantile } from './feature-statistics';

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

    const sut = fitFeatureStatistics(features, labels, 2);

    expect(noveltyScore([0.1, -0.1, 0], sut)).toBeLessThan(1);
    expect(noveltyScore([9.9, 10.2, 10], sut)).toBeLessThan(1);
    expect(noveltyScore([5, 5, 5], sut)).toBeGreaterThan(100);
  });

  it('should keep a constant (always zero) feature invertible', () => {
    const features = cluster([1, 2, 0], 100, 7).map((feature) =>
      Float32Array.of(feature[0], feature[1], 0),
    );

    const sut = fitFeatureStatistics(features, new Array(100).fill(0), 1);

    expect(Number.isFinite(noveltyScore([1, 2, 0], sut))).toBe(true);
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
