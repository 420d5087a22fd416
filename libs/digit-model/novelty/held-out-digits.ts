import { DigitClassifier } from '../digit-classifier';
import { toFloatImage } from '../evaluate-mnist';
import { MnistSplit } from '../../mnist/mnist-dataset';

/** Held out by training when a model's metadata does not say how many images it trained on. */
const DEFAULT_VALIDATION_IMAGES = 5000;
/** Images per forward pass while fitting the judges: a few hundred keeps memory flat. */
const BATCH = 500;

/**
 * How many images at the start of the training split the network trained on; the rest were
 * held out, and the judges take their thresholds from them.
 */
export function trainedImageCount(classifier: DigitClassifier, train: MnistSplit): number {
  return Math.min(
    train.count,
    classifier.metadata.trainingImages ?? train.count - DEFAULT_VALIDATION_IMAGES,
  );
}

/**
 * Maps `count` images, made one at a time by `imageAt`, through `read` (a forward pass) a batch
 * at a time, so that a range of 55,000 digits never sits in memory as floats all at once.
 */
export function readInBatches<T>(
  count: number,
  imageAt: (index: number) => Float32Array,
  read: (batch: Float32Array[]) => T[],
): T[] {
  const results: T[] = [];
  for (let offset = 0; offset < count; offset += BATCH) {
    const batch: Float32Array[] = [];
    for (let index = offset; index < Math.min(count, offset + BATCH); index += 1) {
      batch.push(imageAt(index));
    }
    results.push(...read(batch));
  }
  return results;
}

/** `readInBatches` over the images `start` to `end` (exclusive) of an MNIST split. */
export function readSplitInBatches<T>(
  split: MnistSplit,
  start: number,
  end: number,
  read: (batch: Float32Array[]) => T[],
): T[] {
  return readInBatches(end - start, (index) => toFloatImage(split.images, start + index), read);
}
