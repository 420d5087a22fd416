import { DigitClassifier } from '../digit-classifier';
import { writeModelFile } from '../optional-model-file';
import { CLASS_COUNT } from '../network';
import { MnistDataset, MnistSplit } from '../../mnist/mnist-dataset';
import { fitFeatureStatistics, NearestClassDistance, quantile } from './feature-statistics';
import { readSplitInBatches, trainedImageCount } from './held-out-digits';
import { NOVELTY_FILE, NoveltyModelFile } from './novelty-model';

export const NOVELTY_FEATURE_LAYER = 'hidden';

// Beyond the 99th percentile of held-out MNIST an image is unusual: its digit is kept but
// flagged uncertain. Beyond twice the 99.9th it is far from every digit: no digit at all.
// The margin leaves room for real uploads, whose style MNIST never saw.
const UNUSUAL_QUANTILE = 0.99;
const REJECT_QUANTILE = 0.999;
const REJECT_MARGIN = 2;

export interface NoveltyFitReport {
  fittedOn: number;
  heldOut: number;
  testFlaggedUnusual: number;
  testRejected: number;
  testCount: number;
}

/**
 * Fits the novelty model to the trained model in `modelDirectory` and writes `novelty.json`
 * beside it: without it the directory is not complete. `npm run train` and `npm run
 * fit-novelty` both end here.
 */
export async function fitAndSaveNoveltyModel(
  modelDirectory: string,
  mnist: MnistDataset,
): Promise<{ path: string; report: NoveltyFitReport }> {
  const classifier = await DigitClassifier.load(modelDirectory, { withJudges: false });
  const { train, test } = mnist;

  const { file, report } = fitNoveltyModel(
    classifier,
    train,
    test,
    trainedImageCount(classifier, train),
  );
  classifier.dispose();
  const filePath = await writeModelFile(modelDirectory, NOVELTY_FILE, file);
  return { path: filePath, report };
}

/**
 * Fits the "is this a digit at all?" model to the network's features: class means and a
 * shared covariance from the training images, thresholds from the held-out ones. No
 * randomness, so the same model and data give the same file.
 */
export function fitNoveltyModel(
  classifier: DigitClassifier,
  train: MnistSplit,
  test: MnistSplit,
  trainingImages: number,
): { file: NoveltyModelFile; report: NoveltyFitReport } {
  const fitCount = Math.min(trainingImages, train.count);
  const statistics = fitFeatureStatistics(
    featuresOf(classifier, train, 0, fitCount),
    train.labels.subarray(0, fitCount),
    CLASS_COUNT,
  );
  const distance = new NearestClassDistance(statistics);
  const score = (features: Float32Array[]) => features.map((feature) => distance.score(feature));

  const heldOut = score(featuresOf(classifier, train, fitCount, train.count));
  const unusualThreshold = quantile(heldOut, UNUSUAL_QUANTILE);
  const threshold = quantile(heldOut, REJECT_QUANTILE) * REJECT_MARGIN;

  const testScores = score(featuresOf(classifier, test, 0, test.count));
  const file: NoveltyModelFile = {
    layer: NOVELTY_FEATURE_LAYER,
    ...statistics,
    threshold,
    unusualThreshold,
    calibration: {
      images: heldOut.length,
      unusualQuantile: UNUSUAL_QUANTILE,
      rejectQuantile: REJECT_QUANTILE,
      rejectMargin: REJECT_MARGIN,
    },
  };
  return {
    file,
    report: {
      fittedOn: fitCount,
      heldOut: heldOut.length,
      testFlaggedUnusual: testScores.filter((value) => value > unusualThreshold).length,
      testRejected: testScores.filter((value) => value > threshold).length,
      testCount: test.count,
    },
  };
}

function featuresOf(
  classifier: DigitClassifier,
  split: MnistSplit,
  start: number,
  end: number,
): Float32Array[] {
  return readSplitInBatches(split, start, end, (batch) =>
    classifier.features(batch, NOVELTY_FEATURE_LAYER),
  );
}
