import { learningRateAt } from './learning-rate-schedule';

describe(learningRateAt.name, () => {
  it('should warm up to the peak, then decay to one percent of it', () => {
    const rates = Array.from({ length: 1000 }, (_, step) => learningRateAt(step, 1000, 0.002));

    expect(rates[0]).toBeCloseTo(0.0002, 6);
    expect(Math.max(...rates)).toBeCloseTo(0.002, 6);
    expect(rates[999]).toBeCloseTo(0.00002, 5);
    expect(rates.slice(40).every((rate, index, all) => index === 0 || rate <= all[index - 1])).toBe(
      true,
    );
  });
});
