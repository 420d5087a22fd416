import { DigitClassifier } from '../libs/digit-model/digit-classifier';
import { measureInferenceSpeed } from '../libs/digit-model/evaluation/inference-speed';
import { normaliseDigitImage } from '../libs/imaging/normalise-digit-image';
import { median } from './statistics';

export interface ModelCeiling {
  bestBatchSize: number;
  imagesPerSecond: number;
  /** Median images/s of the forward pass at each batch size tried. */
  byBatchSize: Record<number, number>;
}

/**
 * The most images/s the model itself can score in this process, whatever the batch size:
 * the ceiling that the whole service is compared with.
 */
export async function measureModelCeiling(
  modelDirectory: string,
  batchSizes: number[],
  rounds: number,
): Promise<ModelCeiling> {
  const classifier = await DigitClassifier.load(modelDirectory);
  const byBatchSize: Record<number, number> = {};
  for (const batchSize of batchSizes) {
    // Fewer rounds for big batches keep each size to a similar number of images.
    const roundsForSize = Math.max(5, Math.round((rounds * 32) / batchSize));
    byBatchSize[batchSize] = measureInferenceSpeed(
      classifier,
      batchSize,
      roundsForSize,
    ).imagesPerSecond;
  }
  classifier.dispose();

  const bestBatchSize = batchSizes.reduce((best, size) =>
    byBatchSize[size] > byBatchSize[best] ? size : best,
  );
  return { bestBatchSize, imagesPerSecond: byBatchSize[bestBatchSize], byBatchSize };
}

/**
 * Decode + MNIST normalisation throughput over a set of real uploads, as the worker does
 * it: every image of a batch at once, so sharp's thread pool is used as in production.
 */
export async function measureNormalisationThroughput(
  uploads: Buffer[],
  rounds: number,
  maxPixels = 40_000_000,
): Promise<number> {
  const normaliseAll = () =>
    Promise.all(
      uploads.map((bytes) => normaliseDigitImage(bytes, { maxPixels }).catch(() => null)),
    );
  await normaliseAll();

  const imagesPerSecond: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    await normaliseAll();
    imagesPerSecond.push((uploads.length * 1000) / (performance.now() - started));
  }
  return median(imagesPerSecond);
}
