import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { loadMnist, MNIST_PIXELS, MnistDataset } from '../../mnist/mnist-dataset';
import { DigitClassifier } from '../digit-classifier';
import { toFloatImage } from '../evaluate-mnist';
import { DETECTOR_NON_DIGIT_FAMILIES, generateNonDigit } from '../training/non-digit-generator';
import { SeededRandom } from '../training/seeded-random';
import { fitAndSaveNonDigitDetector } from './fit-non-digit-detector';
import { NON_DIGIT_DETECTOR_FILE, NonDigitDetector } from './non-digit-detector';

const REPOSITORY = path.resolve(__dirname, '..', '..', '..');
const SHARED_MNIST = path.resolve(REPOSITORY, '..', 'shared', 'data', 'mnist');
const SMALL_FIT = { digits: 600, nonDigits: 600, l2: 1 };
const TEST_IMAGES = 1000;
const FIT_TIMEOUT_MS = 120_000;

describe(fitAndSaveNonDigitDetector.name, () => {
  let directory: string;
  let mnist: MnistDataset;

  beforeAll(async () => {
    // The committed network, without its detector: the fit must produce one.
    directory = await mkdtemp(path.join(tmpdir(), 'lensq-detector-'));
    for (const file of ['model.json', 'weights.bin', 'metadata.json']) {
      await copyFile(path.join(REPOSITORY, 'model', file), path.join(directory, file));
    }
    const full = await loadMnist(SHARED_MNIST);
    // A slice of the test set keeps the report quick; the held-out digits are all 5,000.
    const test = {
      count: TEST_IMAGES,
      images: full.test.images.subarray(0, TEST_IMAGES * MNIST_PIXELS),
      labels: full.test.labels.subarray(0, TEST_IMAGES),
    };
    mnist = { train: full.train, test };
    await fitAndSaveNonDigitDetector(directory, mnist, SMALL_FIT);
  }, FIT_TIMEOUT_MS);

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it(
    'should write the same detector twice, with thresholds from the held-out digits',
    async () => {
      const firstText = await readFile(path.join(directory, NON_DIGIT_DETECTOR_FILE), 'utf8');
      // A damaged file from a fit that died must not stop the fit that replaces it.
      await writeFile(path.join(directory, NON_DIGIT_DETECTOR_FILE), firstText.slice(0, 100));
      const second = await fitAndSaveNonDigitDetector(directory, mnist, SMALL_FIT);

      expect(await readFile(second.path, 'utf8')).toBe(firstText);
      expect(path.basename(second.path)).toBe(NON_DIGIT_DETECTOR_FILE);
      const detector = (await NonDigitDetector.load(directory))!;
      const { unusualAbove, rejectAbove, fit } = detector.file;
      expect(0 < unusualAbove && unusualAbove <= rejectAbove && rejectAbove < 1).toBe(true);
      expect(fit).toMatchObject({ digits: 600, nonDigits: 600, heldOutDigits: 5000 });
      expect(second.report).toMatchObject({ heldOut: 5000, testCount: TEST_IMAGES });
      // By construction about 1% and 0.1% of held-out digits; test digits are alike.
      expect(second.report.testFlaggedUnusual).toBeLessThan(30);
      expect(second.report.testRejected).toBeLessThan(6);
    },
    FIT_TIMEOUT_MS,
  );

  it(
    'should give the classifier a verdict that tells new non-digits from test digits',
    async () => {
      const classifier = await DigitClassifier.load(directory);
      const random = SeededRandom.forStream(99, 'unseen non-digits');
      const nonDigits = Array.from({ length: 100 }, () =>
        generateNonDigit(random, DETECTOR_NON_DIGIT_FAMILIES),
      );
      const digits = Array.from({ length: 100 }, (_, index) =>
        toFloatImage(mnist.test.images, index),
      );

      const nonDigitVerdicts = classifier
        .predict(nonDigits)
        .map((prediction) => prediction.nonDigit!);
      const digitVerdicts = classifier.predict(digits).map((prediction) => prediction.nonDigit!);
      classifier.dispose();

      const share = (verdicts: typeof digitVerdicts, test: (v: (typeof verdicts)[0]) => boolean) =>
        verdicts.filter(test).length / verdicts.length;
      // Eight families from 600 examples: this small fit flags 83 of these 100 non-digits.
      expect(share(nonDigitVerdicts, (verdict) => verdict.isUnusual)).toBeGreaterThan(0.7);
      expect(share(digitVerdicts, (verdict) => verdict.isUnusual)).toBeLessThan(0.05);
      expect(share(digitVerdicts, (verdict) => verdict.isNonDigit)).toBeLessThan(0.02);
    },
    FIT_TIMEOUT_MS,
  );
});
