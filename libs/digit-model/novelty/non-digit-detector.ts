import { readOptionalModelFile } from '../optional-model-file';
import { inkShapeFeatures } from './ink-shape';
import { LogisticRegressionModel, logisticProbability } from './logistic-regression';

export const NON_DIGIT_DETECTOR_FILE = 'non-digit-detector.json';

/** What `npm run fit-novelty` (and `npm run train`) stores beside the model. */
export interface NonDigitDetectorFile {
  /** The network layer whose output, followed by the ink-shape measurements, is the input. */
  layer: string;
  /** Names of the ink-shape measurements appended to the layer's output. */
  inkShapeFeatures: string[];
  regression: LogisticRegressionModel;
  /** Above this probability the input is no digit: the service gives none. */
  rejectAbove: number;
  /** Above this probability a digit is still given, flagged uncertain. */
  unusualAbove: number;
  /** How it was fitted and its thresholds chosen, for the model card. */
  fit: {
    seed: number;
    digits: number;
    nonDigits: number;
    l2: number;
    iterations: number;
    loss: number;
    heldOutDigits: number;
    unusualQuantile: number;
    rejectQuantile: number;
  };
}

export interface NonDigitVerdict {
  /** The detector's probability that the input is no digit. */
  probability: number;
  /** Surely no digit: give none. */
  isNonDigit: boolean;
  /** More like a non-digit than almost every held-out digit: flag the digit uncertain. */
  isUnusual: boolean;
}

/**
 * A "digit or not" classifier on top of the frozen digit network: logistic regression on the
 * network's hidden features and a few ink-shape measurements, fitted to MNIST digits against
 * generated scribbles, blots and patterns. Unlike the softmax, it was asked exactly this
 * question; unlike the novelty model's distance, it has seen what non-digits look like.
 */
export class NonDigitDetector {
  constructor(readonly file: NonDigitDetectorFile) {}

  /** Reads `non-digit-detector.json` from a model directory; null when the model has none. */
  static async load(modelDirectory: string): Promise<NonDigitDetector | null> {
    const file = await readOptionalModelFile<NonDigitDetectorFile>(
      modelDirectory,
      NON_DIGIT_DETECTOR_FILE,
    );
    return file ? new NonDigitDetector(file) : null;
  }

  get layer(): string {
    return this.file.layer;
  }

  /** The probability that an image is no digit, from its features and its pixels. */
  probability(layerOutput: ArrayLike<number>, image: ArrayLike<number>): number {
    return logisticProbability(this.file.regression, detectorInput(layerOutput, image));
  }

  judge(layerOutput: ArrayLike<number>, image: ArrayLike<number>): NonDigitVerdict {
    const probability = this.probability(layerOutput, image);
    return {
      probability,
      isNonDigit: probability > this.file.rejectAbove,
      isUnusual: probability > this.file.unusualAbove,
    };
  }
}

/** The detector's input: the layer's output followed by the ink-shape measurements. */
export function detectorInput(layerOutput: ArrayLike<number>, image: ArrayLike<number>): number[] {
  return [...Array.from(layerOutput), ...inkShapeFeatures(image)];
}
