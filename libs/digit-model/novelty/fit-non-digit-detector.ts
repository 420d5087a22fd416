import { DigitClassifier } from '../digit-classifier';
import { writeModelFile } from '../optional-model-file';
import { toFloatImage } from '../evaluate-mnist';
import { augmentDigit } from '../training/augmentation';
import { DETECTOR_NON_DIGIT_FAMILIES, generateNonDigit } from '../training/non-digit-generator';
import { SeededRandom } from '../training/seeded-random';
import { MnistDataset, MnistSplit } from '../../mnist/mnist-dataset';
import { quantile } from './feature-statistics';
import { readInBatches, readSplitInBatches, trainedImageCount } from './held-out-digits';
import { NOVELTY_FEATURE_LAYER } from './fit-novelty-model';
import { INK_SHAPE_FEATURES } from './ink-shape';
import { fitLogisticRegression } from './logistic-regression';
import {
  detectorInput,
  NON_DIGIT_DETECTOR_FILE,
  NonDigitDetector,
  NonDigitDetectorFile,
} from './non-digit-detector';

export interface NonDigitDetectorOptions {
  /** Training digits drawn from the model's training images; a third clean, the rest augmented. */
  digits: number;
  /** Generated non-digits, from the classifier's families and rounder loops. */
  nonDigits: number;
  l2: number;
}

export const DEFAULT_DETECTOR_OPTIONS: NonDigitDetectorOptions = {
  digits: 12000,
  nonDigits: 12000,
  l2: 1,
};

// Beyond the 99th percentile of held-out digits a digit is flagged uncertain; beyond the 99.9th
// it is no digit. Held-out digits are MNIST's, so real uploads, less tidy, sit a little higher.
const UNUSUAL_QUANTILE = 0.99;
const REJECT_QUANTILE = 0.999;
const MAX_ITERATIONS = 30;

export interface NonDigitDetectorReport {
  digits: number;
  nonDigits: number;
  iterations: number;
  heldOut: number;
  testFlaggedUnusual: number;
  testRejected: number;
  testCount: number;
}

/**
 * Fits the non-digit detector to the trained model in `modelDirectory` and writes
 * `non-digit-detector.json` beside it. `npm run train` and `npm run fit-novelty` both end here.
 * Seeded from the model's own seed, so the same model and data give the same file.
 */
export async function fitAndSaveNonDigitDetector(
  modelDirectory: string,
  mnist: MnistDataset,
  options: NonDigitDetectorOptions = DEFAULT_DETECTOR_OPTIONS,
): Promise<{ path: string; report: NonDigitDetectorReport }> {
  const classifier = await DigitClassifier.load(modelDirectory, { withJudges: false });
  const { file, report } = fitNonDigitDetector(classifier, mnist, options);
  classifier.dispose();

  const filePath = await writeModelFile(modelDirectory, NON_DIGIT_DETECTOR_FILE, file);
  return { path: filePath, report };
}

export function fitNonDigitDetector(
  classifier: DigitClassifier,
  { train, test }: MnistDataset,
  options: NonDigitDetectorOptions,
): { file: NonDigitDetectorFile; report: NonDigitDetectorReport } {
  const trainingImages = trainedImageCount(classifier, train);
  const seed = classifier.metadata.seed;
  const random = SeededRandom.forStream(seed, 'non-digit-detector');

  // Digits as training showed them (mostly distorted) against things that are no digit.
  const digits = Array.from({ length: options.digits }, (_, index) => {
    const image = toFloatImage(train.images, random.integer(trainingImages));
    return index % 3 === 0 ? image : augmentDigit(image, random);
  });
  const nonDigits = Array.from({ length: options.nonDigits }, () =>
    generateNonDigit(random, DETECTOR_NON_DIGIT_FAMILIES),
  );
  const inputs = detectorInputs(classifier, [...digits, ...nonDigits]);
  const labels = [
    ...new Array<number>(digits.length).fill(0),
    ...new Array<number>(nonDigits.length).fill(1),
  ];
  const fit = fitLogisticRegression(inputs, labels, {
    l2: options.l2,
    maxIterations: MAX_ITERATIONS,
  });

  // Thresholds from digits the network never trained on.
  const draft = new NonDigitDetector({
    layer: NOVELTY_FEATURE_LAYER,
    inkShapeFeatures: [...INK_SHAPE_FEATURES],
    regression: fit.model,
    rejectAbove: 1,
    unusualAbove: 1,
    fit: {
      seed,
      digits: digits.length,
      nonDigits: nonDigits.length,
      l2: options.l2,
      iterations: fit.iterations,
      loss: fit.loss,
      heldOutDigits: train.count - trainingImages,
      unusualQuantile: UNUSUAL_QUANTILE,
      rejectQuantile: REJECT_QUANTILE,
    },
  });
  const heldOut = probabilities(classifier, draft, train, trainingImages, train.count);
  const file: NonDigitDetectorFile = {
    ...draft.file,
    rejectAbove: quantile(heldOut, REJECT_QUANTILE),
    unusualAbove: quantile(heldOut, UNUSUAL_QUANTILE),
  };

  const testScores = probabilities(classifier, draft, test, 0, test.count);
  return {
    file,
    report: {
      digits: digits.length,
      nonDigits: nonDigits.length,
      iterations: fit.iterations,
      heldOut: heldOut.length,
      testFlaggedUnusual: testScores.filter((value) => value > file.unusualAbove).length,
      testRejected: testScores.filter((value) => value > file.rejectAbove).length,
      testCount: test.count,
    },
  };
}

function detectorInputs(classifier: DigitClassifier, images: Float32Array[]): number[][] {
  return readInBatches(
    images.length,
    (index) => images[index],
    (batch) => {
      const features = classifier.features(batch, NOVELTY_FEATURE_LAYER);
      return batch.map((image, index) => detectorInput(features[index], image));
    },
  );
}

function probabilities(
  classifier: DigitClassifier,
  detector: NonDigitDetector,
  split: MnistSplit,
  start: number,
  end: number,
): number[] {
  return readSplitInBatches(split, start, end, (batch) => {
    const features = classifier.features(batch, detector.layer);
    return batch.map((image, index) => detector.probability(features[index], image));
  });
}
