/**
 * Class-conditional Gaussian statistics of the network's penultimate features, for telling
 * digits from things that are not digits: an input far (in Mahalanobis distance) from
 * every digit class's mean is novel, however confident the softmax is.
 */
export interface FeatureStatistics {
  dimension: number;
  /** Mean feature vector of each class. */
  means: number[][];
  /** Inverse of the shared (pooled) covariance, row-major, dimension x dimension. */
  precision: number[];
}

// A little of the average variance added to the diagonal keeps the covariance invertible
// where a ReLU unit is almost always zero.
const SHRINKAGE = 0.01;

export function fitFeatureStatistics(
  features: Float32Array[],
  labels: ArrayLike<number>,
  classCount: number,
): FeatureStatistics {
  const dimension = features[0].length;
  const means = classMeans(features, labels, classCount, dimension);

  const covariance = new Float64Array(dimension * dimension);
  const centred = new Float64Array(dimension);
  features.forEach((feature, index) => {
    const mean = means[labels[index]];
    for (let i = 0; i < dimension; i += 1) centred[i] = feature[i] - mean[i];
    for (let i = 0; i < dimension; i += 1) {
      const scaled = centred[i];
      if (scaled === 0) continue;
      for (let j = 0; j < dimension; j += 1) covariance[i * dimension + j] += scaled * centred[j];
    }
  });
  let trace = 0;
  for (let i = 0; i < dimension * dimension; i += 1) covariance[i] /= features.length;
  for (let i = 0; i < dimension; i += 1) trace += covariance[i * dimension + i];
  const ridge = (SHRINKAGE * trace) / dimension;
  for (let i = 0; i < dimension; i += 1) covariance[i * dimension + i] += ridge;

  return { dimension, means, precision: Array.from(invertSymmetric(covariance, dimension)) };
}

/**
 * Squared Mahalanobis distance to the nearest class mean, for many features. With one shared
 * precision matrix P, the distance to mean μ expands to xᵀPx − 2(Pμ)ᵀx + μᵀPμ: the terms of μ are
 * computed once here, so a feature costs one matrix-vector product instead of one per class
 * (about a tenth of the work, which made novelty a third of the inference time).
 */
export class NearestClassDistance {
  private readonly dimension: number;
  private readonly precision: Float64Array;
  /** Pμ of each class, concatenated. */
  private readonly projectedMeans: Float64Array;
  /** μᵀPμ of each class. */
  private readonly meanTerms: Float64Array;
  private readonly projected: Float64Array;

  constructor(statistics: FeatureStatistics) {
    const { dimension, means } = statistics;
    this.dimension = dimension;
    this.precision = Float64Array.from(statistics.precision);
    this.projected = new Float64Array(dimension);
    this.projectedMeans = new Float64Array(means.length * dimension);
    this.meanTerms = new Float64Array(means.length);

    means.forEach((mean, classIndex) => {
      const projectedMean = this.projectedMeans.subarray(
        classIndex * dimension,
        (classIndex + 1) * dimension,
      );
      this.project(mean, projectedMean);
      this.meanTerms[classIndex] = dot(mean, projectedMean, dimension);
    });
  }

  score(feature: ArrayLike<number>): number {
    const { dimension, projected, projectedMeans, meanTerms } = this;
    this.project(feature, projected);
    const featureTerm = dot(feature, projected, dimension);

    let nearest = Infinity;
    for (let classIndex = 0; classIndex < meanTerms.length; classIndex += 1) {
      let crossTerm = 0;
      const offset = classIndex * dimension;
      for (let i = 0; i < dimension; i += 1) crossTerm += projectedMeans[offset + i] * feature[i];
      nearest = Math.min(nearest, featureTerm - 2 * crossTerm + meanTerms[classIndex]);
    }

    // Rounding can take a distance of (almost) zero a hair below it.
    return Math.max(0, nearest);
  }

  /** output = P · vector */
  private project(vector: ArrayLike<number>, output: Float64Array): void {
    const { dimension, precision } = this;
    for (let i = 0; i < dimension; i += 1) {
      let sum = 0;
      const row = i * dimension;
      for (let j = 0; j < dimension; j += 1) sum += precision[row + j] * vector[j];
      output[i] = sum;
    }
  }
}

function dot(first: ArrayLike<number>, second: ArrayLike<number>, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 1) sum += first[i] * second[i];
  return sum;
}

/** The value below which `fraction` of the sorted values lie. */
export function quantile(values: number[], fraction: number): number {
  if (values.length === 0) {
    // An undefined threshold would compare false with everything: nothing ever flagged.
    throw new Error(
      'No held-out digits to set thresholds from: the model was trained on every image; ' +
        'train with a validation split (npm run train holds out the last 5,000)',
    );
  }
  const sorted = [...values].sort((a, b) => a - b);
  const position = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil(fraction * sorted.length) - 1),
  );
  return sorted[position];
}

function classMeans(
  features: Float32Array[],
  labels: ArrayLike<number>,
  classCount: number,
  dimension: number,
): number[][] {
  const sums = Array.from({ length: classCount }, () => new Float64Array(dimension));
  const counts = new Array<number>(classCount).fill(0);
  features.forEach((feature, index) => {
    counts[labels[index]] += 1;
    for (let i = 0; i < dimension; i += 1) sums[labels[index]][i] += feature[i];
  });
  return sums.map((sum, label) => Array.from(sum, (value) => value / Math.max(1, counts[label])));
}

/** Gauss-Jordan inverse with partial pivoting; the matrix is small (128 x 128). */
function invertSymmetric(matrix: Float64Array, size: number): Float64Array {
  const work = Float64Array.from(matrix);
  const inverse = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) inverse[i * size + i] = 1;

  for (let column = 0; column < size; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < size; row += 1) {
      if (Math.abs(work[row * size + column]) > Math.abs(work[pivot * size + column])) pivot = row;
    }
    if (Math.abs(work[pivot * size + column]) < 1e-12) {
      throw new Error(`Feature covariance is singular at column ${column}; fit on more images`);
    }
    swapRows(work, size, column, pivot);
    swapRows(inverse, size, column, pivot);

    const scale = 1 / work[column * size + column];
    for (let j = 0; j < size; j += 1) {
      work[column * size + j] *= scale;
      inverse[column * size + j] *= scale;
    }
    for (let row = 0; row < size; row += 1) {
      const factor = work[row * size + column];
      if (row === column || factor === 0) continue;
      for (let j = 0; j < size; j += 1) {
        work[row * size + j] -= factor * work[column * size + j];
        inverse[row * size + j] -= factor * inverse[column * size + j];
      }
    }
  }
  return inverse;
}

function swapRows(matrix: Float64Array, size: number, a: number, b: number): void {
  if (a === b) return;
  for (let j = 0; j < size; j += 1) {
    const held = matrix[a * size + j];
    matrix[a * size + j] = matrix[b * size + j];
    matrix[b * size + j] = held;
  }
}
