import { readFile } from 'node:fs/promises';
import * as path from 'node:path';

export const METADATA_FILE = 'metadata.json';

/** What we know about a trained model; stored as `metadata.json` beside `model.json`. */
export interface DigitModelMetadata {
  name: string;
  version: string;
  /** ISO time the training finished. */
  trainedAt: string;
  /** Accuracy on the 10,000 MNIST test images, in [0, 1]; absent until evaluated. */
  mnistTestAccuracy?: number;
  seed: number;
  epochs: number;
  batchSize?: number;
  trainingImages?: number;
  /** Generated non-digits per batch of digits (outlier exposure); 0 or absent for none. */
  nonDigitsPerBatch?: number;
  multiplyAdds?: number;
  parameters?: number;
  backend?: string;
  trainingSeconds?: number;
}

/** Reads `metadata.json`; falls back to `userDefinedMetadata` of model.json, else unknowns. */
export async function readModelMetadata(
  modelDirectory: string,
  userDefinedMetadata?: Record<string, unknown>,
): Promise<DigitModelMetadata> {
  try {
    const text = await readFile(path.join(modelDirectory, METADATA_FILE), 'utf8');
    return JSON.parse(text) as DigitModelMetadata;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `Cannot read ${METADATA_FILE} in ${modelDirectory}: ${(error as Error).message}`,
      );
    }
  }

  return {
    name: 'unknown',
    version: 'unknown',
    trainedAt: 'unknown',
    seed: 0,
    epochs: 0,
    ...(userDefinedMetadata as Partial<DigitModelMetadata> | undefined),
  };
}
