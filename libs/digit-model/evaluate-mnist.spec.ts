import { BatchDigitClassifier, evaluateMnist } from './evaluate-mnist';

/** Reads the digit from the first pixel: byte 25·d means digit d. */
function makeClassifier(): BatchDigitClassifier {
  return {
    predict: (inputs) =>
      inputs.map((input) => {
        const digit = Math.round((input[0] * 255) / 25);
        return {
          probabilities: Array.from({ length: 10 }, (_, index) => (index === digit ? 0.9 : 0.01)),
        };
      }),
  };
}

function makeImages(digits: number[]): Uint8Array {
  const images = new Uint8Array(digits.length * 784);
  digits.forEach((digit, index) => (images[index * 784] = digit * 25));

  return images;
}

describe(evaluateMnist.name, () => {
  it('should count correct answers and fill the confusion matrix by label and prediction', () => {
    const predicted = Array.from({ length: 600 }, (_, index) => index % 10);
    const labels = Uint8Array.from(predicted, (digit, index) => (index === 7 ? 1 : digit));

    const sut = evaluateMnist(makeClassifier(), makeImages(predicted), labels);

    expect(sut.count).toBe(600);
    expect(sut.correct).toBe(599);
    expect(sut.accuracy).toBeCloseTo(599 / 600);
    expect(sut.confusionMatrix[1][7]).toBe(1);
    expect(sut.confusionMatrix[7][7]).toBe(59);
    expect(sut.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(600);
  });

  it('should reject pixel data that does not match the labels', () => {
    expect(() => evaluateMnist(makeClassifier(), new Uint8Array(100), new Uint8Array(1))).toThrow(
      '100 pixel bytes do not make 1 images of 28x28',
    );
  });
});
