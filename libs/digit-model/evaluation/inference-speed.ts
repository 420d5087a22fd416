/** Anything that scores batches of 784-float images. */
export interface BatchScorer {
  predict(inputs: Float32Array[]): unknown;
}

export interface InferenceSpeed {
  batchSize: number;
  rounds: number;
  /** Median over rounds of the time per image, in milliseconds. */
  msPerImage: number;
  imagesPerSecond: number;
}

/**
 * Times forward passes at one batch size after a warm-up, reporting the median so that
 * a noisy machine moves the figure less than a mean would.
 */
export function measureInferenceSpeed(
  scorer: BatchScorer,
  batchSize = 32,
  rounds = 30,
): InferenceSpeed {
  const batch = Array.from({ length: batchSize }, (_, index) => {
    const image = new Float32Array(784);
    for (let pixel = 0; pixel < image.length; pixel += 1)
      image[pixel] = ((pixel * 7 + index) % 13) / 13;
    return image;
  });
  for (let warmUp = 0; warmUp < 3; warmUp += 1) scorer.predict(batch);

  const perImage: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    scorer.predict(batch);
    perImage.push((performance.now() - started) / batchSize);
  }

  const msPerImage = median(perImage);
  return { batchSize, rounds, msPerImage, imagesPerSecond: 1000 / msPerImage };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
