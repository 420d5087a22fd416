import { expectedCalibrationError } from './calibration';

describe(expectedCalibrationError.name, () => {
  it('should be 0 for a model exactly as often right as it is sure', () => {
    const predictions = [
      ...Array.from({ length: 8 }, () => ({ confidence: 0.8, isCorrect: true })),
      ...Array.from({ length: 2 }, () => ({ confidence: 0.8, isCorrect: false })),
    ];

    expect(expectedCalibrationError(predictions)).toBeCloseTo(0, 10);
  });

  it('should measure overconfidence as the weighted gap', () => {
    const predictions = [
      { confidence: 0.99, isCorrect: false },
      { confidence: 0.99, isCorrect: true },
    ];

    expect(expectedCalibrationError(predictions)).toBeCloseTo(0.49, 5);
  });

  it('should be 0 without predictions', () => {
    expect(expectedCalibrationError([])).toBe(0);
  });
});
