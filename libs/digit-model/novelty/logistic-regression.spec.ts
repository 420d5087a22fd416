import { fitLogisticRegression, logisticProbability } from './logistic-regression';

describe(fitLogisticRegression.name, () => {
  /** Samples drawn from a known model: P(y = 1) = σ(0.5 + 2·x₀ − 1·x₁), x₂ irrelevant. */
  function sampleKnownModel(count: number): { features: number[][]; labels: number[] } {
    let state = 12345;
    const random = () => (state = (state * 16807) % 2147483647) / 2147483647;
    const features: number[][] = [];
    const labels: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const feature = [random() * 4 - 2, random() * 4 - 2, random() * 4 - 2];
      const probability = 1 / (1 + Math.exp(-(0.5 + 2 * feature[0] - feature[1])));
      features.push(feature);
      labels.push(random() < probability ? 1 : 0);
    }
    return { features, labels };
  }

  it('should recover the coefficients of the model that generated the data', () => {
    const { features, labels } = sampleKnownModel(20000);

    const { model } = fitLogisticRegression(features, labels, { l2: 1e-6, maxIterations: 25 });

    // Back from standardised units to the raw features' coefficients.
    const raw = model.weights.map((weight, j) => weight / model.scale[j]);
    const bias = model.bias - raw.reduce((sum, weight, j) => sum + weight * model.mean[j], 0);
    expect(raw[0]).toBeCloseTo(2, 0);
    expect(raw[1]).toBeCloseTo(-1, 0);
    expect(Math.abs(raw[2])).toBeLessThan(0.1);
    expect(bias).toBeCloseTo(0.5, 0);
  });

  it('should end where the penalised gradient vanishes', () => {
    const { features, labels } = sampleKnownModel(2000);
    const l2 = 3;

    const { model } = fitLogisticRegression(features, labels, { l2, maxIterations: 25 });

    const gradient = model.weights.map((weight) => l2 * weight);
    features.forEach((feature, index) => {
      const residual = logisticProbability(model, feature) - labels[index];
      feature.forEach((value, j) => {
        gradient[j] += (residual * (value - model.mean[j])) / model.scale[j];
      });
    });
    gradient.forEach((value) => expect(Math.abs(value)).toBeLessThan(1e-6));
  });

  it('should give the same model for the same data, and cope with a constant feature', () => {
    const { features, labels } = sampleKnownModel(500);
    const withConstant = features.map((feature) => [...feature, 7]);

    const first = fitLogisticRegression(withConstant, labels, { l2: 1, maxIterations: 25 });
    const second = fitLogisticRegression(withConstant, labels, { l2: 1, maxIterations: 25 });

    expect(second).toEqual(first);
    expect(first.model.weights[3]).toBeCloseTo(0, 6);
    expect(Number.isFinite(logisticProbability(first.model, [0, 0, 0, 7]))).toBe(true);
  });

  it('should separate two clusters, with probabilities on the right sides of one half', () => {
    const features = [
      ...Array.from({ length: 50 }, (_, index) => [index / 50, 0]),
      ...Array.from({ length: 50 }, (_, index) => [3 + index / 50, 1]),
    ];
    const labels = [...new Array<number>(50).fill(0), ...new Array<number>(50).fill(1)];

    const { model, loss } = fitLogisticRegression(features, labels, { l2: 1, maxIterations: 25 });

    expect(logisticProbability(model, [0.5, 0])).toBeLessThan(0.1);
    expect(logisticProbability(model, [3.5, 1])).toBeGreaterThan(0.9);
    expect(loss).toBeLessThan(0.1);
  });
});
