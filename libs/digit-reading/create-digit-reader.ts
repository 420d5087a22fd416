import { DigitClassifier } from '../digit-model/digit-classifier';
import { normaliseDigitImage } from '../imaging/normalise-digit-image';
import { BatchingDigitScorer, BatchingOptions, BatchListener } from './batching-digit-scorer';
import { DigitReader } from './digit-reader';

export interface DigitReaderOptions {
  /** Directory holding model.json, weights.bin and metadata.json. */
  modelDir: string;
  /** Largest width x height decoded, checked from the header. */
  maxPixels: number;
  /** Below this confidence a digit is flagged uncertain. */
  uncertainBelow: number;
  /** Merge the images of concurrent reads into shared forward passes (the worker does). */
  batching?: BatchingOptions & { onBatch?: BatchListener };
}

export interface LoadedDigitReader {
  reader: DigitReader;
  classifier: DigitClassifier;
  modelVersion: string;
  backend: string;
}

/** Loads the model and binds it to the upload normalisation: the worker and the CLI both start here. */
export async function createDigitReader(options: DigitReaderOptions): Promise<LoadedDigitReader> {
  const classifier = await DigitClassifier.load(options.modelDir);
  const limits = { maxPixels: options.maxPixels };
  const scorer = options.batching
    ? new BatchingDigitScorer(classifier, options.batching, options.batching.onBatch)
    : classifier;
  const reader = new DigitReader((bytes) => normaliseDigitImage(bytes, limits), scorer, {
    uncertainBelow: options.uncertainBelow,
  });

  return {
    reader,
    classifier,
    modelVersion: classifier.metadata.version,
    backend: classifier.backend,
  };
}
