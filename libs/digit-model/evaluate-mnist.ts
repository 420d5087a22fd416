import { CLASS_COUNT } from './network';
import { DIGIT_INPUT_LENGTH } from './digit-classifier';

/** Anything that classifies batches of 784-float images, such as `DigitClassifier`. */
export interface BatchDigitClassifier {
  predict(inputs: Float32Array[]): { probabilities: number[] }[];
}

export interface MnistEvaluation {
  count: number;
  correct: number;
  /** Fraction of images read correctly, in [0, 1]. */
  accuracy: number;
  /** confusionMatrix[label][predicted] = number of images. */
  confusionMatrix: number[][];
}

const EVALUATION_BATCH_SIZE = 250;

/** Classifies MNIST-format images (bytes, 0 = background) and tallies the results. */
export function evaluateMnist(
  classifier: BatchDigitClassifier,
  images: Uint8Array,
  labels: Uint8Array,
): MnistEvaluation {
  const count = labels.length;
  if (images.length !== count * DIGIT_INPUT_LENGTH) {
    throw new Error(`${images.length} pixel bytes do not make ${count} images of 28x28.`);
  }
  const confusionMatrix = Array.from({ length: CLASS_COUNT }, () =>
    new Array<number>(CLASS_COUNT).fill(0),
  );

  for (let start = 0; start < count; start += EVALUATION_BATCH_SIZE) {
    const end = Math.min(count, start + EVALUATION_BATCH_SIZE);
    const batch = [];
    for (let index = start; index < end; index++) {
      batch.push(toFloatImage(images, index));
    }

    classifier.predict(batch).forEach(({ probabilities }, offset) => {
      confusionMatrix[labels[start + offset]][argMax(probabilities)]++;
    });
  }

  const correct = confusionMatrix.reduce((total, row, label) => total + row[label], 0);

  return { count, correct, accuracy: count === 0 ? 0 : correct / count, confusionMatrix };
}

/** One image of an MNIST byte array as floats in [0, 1]. */
export function toFloatImage(images: Uint8Array, index: number): Float32Array {
  const image = new Float32Array(DIGIT_INPUT_LENGTH);
  const offset = index * DIGIT_INPUT_LENGTH;
  for (let pixel = 0; pixel < DIGIT_INPUT_LENGTH; pixel++) {
    image[pixel] = images[offset + pixel] / 255;
  }

  return image;
}

function argMax(values: number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if (values[index] > values[best]) {
      best = index;
    }
  }

  return best;
}
