/**
 * A fitted logistic regression: P(y = 1 | x) = σ(bias + Σ weightᵢ · (xᵢ − meanᵢ) / scaleᵢ).
 * Features are standardised with the training set's mean and spread, so that one L2 penalty
 * suits them all whatever their units.
 */
export interface LogisticRegressionModel {
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
}

export interface LogisticRegressionOptions {
  /** L2 penalty on the weights (not the bias), in units of the standardised features. */
  l2: number;
  /** Newton steps at most; it stops earlier once no weight moves by more than 1e-7. */
  maxIterations: number;
}

export interface LogisticRegressionFit {
  model: LogisticRegressionModel;
  iterations: number;
  /** Mean negative log-likelihood on the training set at the end, penalty excluded. */
  loss: number;
}

/** Spread below this counts as a constant feature: it is centred but not blown up. */
const MIN_SCALE = 1e-3;

/**
 * Fits a penalised logistic regression by Newton's method (iteratively reweighted least
 * squares): the problem is convex, so it converges in a few steps to the one optimum, with no
 * learning rate and no randomness: the same data give the same model.
 */
export function fitLogisticRegression(
  features: ArrayLike<number>[],
  labels: ArrayLike<number>,
  options: LogisticRegressionOptions,
): LogisticRegressionFit {
  const count = features.length;
  const dimension = features[0].length;
  const { mean, scale } = standardisation(features, dimension);

  // Row i is [1, standardised features]: the bias is weight 0.
  const size = dimension + 1;
  const rows = features.map((feature) => {
    const row = new Float64Array(size);
    row[0] = 1;
    for (let j = 0; j < dimension; j += 1) row[j + 1] = (feature[j] - mean[j]) / scale[j];
    return row;
  });

  const coefficients = new Float64Array(size);
  const gradient = new Float64Array(size);
  const hessian = new Float64Array(size * size);
  let iterations = 0;
  while (iterations < options.maxIterations) {
    iterations += 1;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < count; i += 1) {
      const row = rows[i];
      const probability = sigmoid(dot(coefficients, row));
      const residual = probability - labels[i];
      const curvature = probability * (1 - probability);
      for (let j = 0; j < size; j += 1) {
        gradient[j] += residual * row[j];
        const weighted = curvature * row[j];
        if (weighted === 0) continue;
        for (let k = 0; k <= j; k += 1) hessian[j * size + k] += weighted * row[k];
      }
    }
    for (let j = 1; j < size; j += 1) {
      gradient[j] += options.l2 * coefficients[j];
      hessian[j * size + j] += options.l2;
    }

    const step = solveSymmetricPositiveDefinite(hessian, gradient, size);
    let largestChange = 0;
    for (let j = 0; j < size; j += 1) {
      coefficients[j] -= step[j];
      largestChange = Math.max(largestChange, Math.abs(step[j]));
    }
    if (largestChange < 1e-7) break;
  }

  let loss = 0;
  for (let i = 0; i < count; i += 1) {
    const probability = sigmoid(dot(coefficients, rows[i]));
    loss -= Math.log(Math.max(1e-300, labels[i] ? probability : 1 - probability));
  }

  return {
    model: { mean, scale, bias: coefficients[0], weights: Array.from(coefficients.subarray(1)) },
    iterations,
    loss: loss / count,
  };
}

/** P(y = 1 | feature) under a fitted model. */
export function logisticProbability(
  model: LogisticRegressionModel,
  feature: ArrayLike<number>,
): number {
  let activation = model.bias;
  for (let j = 0; j < model.weights.length; j += 1) {
    activation += (model.weights[j] * (feature[j] - model.mean[j])) / model.scale[j];
  }
  return sigmoid(activation);
}

function standardisation(
  features: ArrayLike<number>[],
  dimension: number,
): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(dimension).fill(0);
  const variance = new Array<number>(dimension).fill(0);
  for (const feature of features) {
    for (let j = 0; j < dimension; j += 1) mean[j] += feature[j] / features.length;
  }
  for (const feature of features) {
    for (let j = 0; j < dimension; j += 1) variance[j] += (feature[j] - mean[j]) ** 2;
  }
  const scale = variance.map((value) => Math.max(MIN_SCALE, Math.sqrt(value / features.length)));
  return { mean, scale };
}

function sigmoid(value: number): number {
  return 1 / (1 + Math.exp(-value));
}

function dot(left: Float64Array, right: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < left.length; j += 1) sum += left[j] * right[j];
  return sum;
}

/**
 * Solves A x = b for a symmetric positive definite A given by its lower triangle (row-major),
 * by Cholesky factorisation. The penalty on the diagonal keeps A positive definite.
 */
function solveSymmetricPositiveDefinite(
  matrix: Float64Array,
  right: Float64Array,
  size: number,
): Float64Array {
  const lower = new Float64Array(size * size);
  for (let i = 0; i < size; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let sum = matrix[i * size + j];
      for (let k = 0; k < j; k += 1) sum -= lower[i * size + k] * lower[j * size + k];
      lower[i * size + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / lower[j * size + j];
    }
  }

  const forward = new Float64Array(size);
  for (let i = 0; i < size; i += 1) {
    let sum = right[i];
    for (let k = 0; k < i; k += 1) sum -= lower[i * size + k] * forward[k];
    forward[i] = sum / lower[i * size + i];
  }
  const solution = new Float64Array(size);
  for (let i = size - 1; i >= 0; i -= 1) {
    let sum = forward[i];
    for (let k = i + 1; k < size; k += 1) sum -= lower[k * size + i] * solution[k];
    solution[i] = sum / lower[i * size + i];
  }
  return solution;
}
