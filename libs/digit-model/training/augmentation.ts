import { SeededRandom } from './seeded-random';

const SIZE = 28;
const PIXELS = SIZE * SIZE;

/** Ranges and probabilities of the random changes; the defaults mimic real uploads. */
export interface AugmentationSettings {
  /** Maximum rotation either way, in degrees. */
  rotationDegrees: number;
  /** Range of the scale factor. */
  scale: [number, number];
  /** Maximum extra horizontal/vertical stretch (aspect change), as a fraction. */
  aspect: number;
  /** Maximum horizontal shear, as a fraction of height (tan of the angle). */
  shear: number;
  /** Maximum shift either way, in pixels. */
  shiftPixels: number;
  /** Probability and strength (pixels, standard deviation) of a smooth elastic distortion. */
  elasticProbability: number;
  elasticPixels: number;
  /** Probabilities of thicker (3x3 cross max) and thinner (3x3 cross min) strokes. */
  thickenProbability: number;
  thinProbability: number;
  /** Probability of a 3x3 blur. */
  blurProbability: number;
  /** Probability of a contrast, gamma and background change. */
  contrastProbability: number;
  /** Probability of pixel noise. */
  noiseProbability: number;
}

export const DEFAULT_AUGMENTATION: AugmentationSettings = {
  rotationDegrees: 12,
  scale: [0.85, 1.15],
  aspect: 0.1,
  shear: 0.2,
  shiftPixels: 2.5,
  elasticProbability: 0.3,
  elasticPixels: 0.8,
  thickenProbability: 0.2,
  thinProbability: 0.15,
  blurProbability: 0.2,
  contrastProbability: 0.4,
  noiseProbability: 0.15,
};

/** The fraction of ink that thinning must keep; otherwise thin strokes would vanish. */
const MINIMUM_INK_KEPT_BY_THINNING = 0.5;
const ELASTIC_GRID = 4;

/**
 * Returns a randomly distorted copy of a 28x28 digit (floats in [0, 1], ink high): an affine warp
 * about the centre of mass (so the digit stays centred the MNIST way, up to the shift), an
 * optional elastic distortion, stroke thickness, blur and contrast changes.
 */
export function augmentDigit(
  image: Float32Array,
  random: SeededRandom,
  settings: AugmentationSettings = DEFAULT_AUGMENTATION,
): Float32Array {
  let result = warp(image, random, settings);

  if (random.chance(settings.thickenProbability)) {
    result = crossFilter(result, Math.max);
  } else if (random.chance(settings.thinProbability)) {
    const thinner = crossFilter(result, Math.min);
    if (sum(thinner) >= MINIMUM_INK_KEPT_BY_THINNING * sum(result)) {
      result = thinner;
    }
  }

  if (random.chance(settings.blurProbability)) {
    result = blur(result);
  }

  if (random.chance(settings.contrastProbability)) {
    adjustContrast(result, random);
  }

  if (random.chance(settings.noiseProbability)) {
    addNoise(result, random);
  }

  return result;
}

function warp(
  image: Float32Array,
  random: SeededRandom,
  settings: AugmentationSettings,
): Float32Array {
  const [centreX, centreY] = centreOfMass(image);

  const angle = (random.uniform(-1, 1) * settings.rotationDegrees * Math.PI) / 180;
  const scale = random.uniform(settings.scale[0], settings.scale[1]);
  const aspect = 1 + random.uniform(-settings.aspect, settings.aspect);
  const shear = random.uniform(-settings.shear, settings.shear);
  const shiftX = random.uniform(-settings.shiftPixels, settings.shiftPixels);
  const shiftY = random.uniform(-settings.shiftPixels, settings.shiftPixels);
  const elastic = random.chance(settings.elasticProbability)
    ? elasticGrids(random, settings.elasticPixels)
    : undefined;

  // Forward map: rotation · shear · scale; we sample the source through its inverse.
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const scaleX = scale * aspect;
  const scaleY = scale / aspect;
  const m00 = cos * scaleX;
  const m01 = (cos * shear - sin) * scaleY;
  const m10 = sin * scaleX;
  const m11 = (sin * shear + cos) * scaleY;
  const determinant = m00 * m11 - m01 * m10;
  const i00 = m11 / determinant;
  const i01 = -m01 / determinant;
  const i10 = -m10 / determinant;
  const i11 = m00 / determinant;

  const output = new Float32Array(PIXELS);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let dx = x - centreX - shiftX;
      let dy = y - centreY - shiftY;
      if (elastic !== undefined) {
        dx += interpolateGrid(elastic.x, x, y);
        dy += interpolateGrid(elastic.y, x, y);
      }
      output[y * SIZE + x] = sample(
        image,
        centreX + i00 * dx + i01 * dy,
        centreY + i10 * dx + i11 * dy,
      );
    }
  }

  return output;
}

/** Centre of mass of the ink, or the image centre for an empty image. */
export function centreOfMass(image: Float32Array): [number, number] {
  let total = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const value = image[y * SIZE + x];
      total += value;
      sumX += value * x;
      sumY += value * y;
    }
  }

  return total > 0 ? [sumX / total, sumY / total] : [(SIZE - 1) / 2, (SIZE - 1) / 2];
}

/** Bilinear sample with zero (background) outside the image. */
function sample(image: Float32Array, x: number, y: number): number {
  const left = Math.floor(x);
  const top = Math.floor(y);
  const fractionX = x - left;
  const fractionY = y - top;

  return (
    pixel(image, left, top) * (1 - fractionX) * (1 - fractionY) +
    pixel(image, left + 1, top) * fractionX * (1 - fractionY) +
    pixel(image, left, top + 1) * (1 - fractionX) * fractionY +
    pixel(image, left + 1, top + 1) * fractionX * fractionY
  );
}

function pixel(image: Float32Array, x: number, y: number): number {
  return x < 0 || y < 0 || x >= SIZE || y >= SIZE ? 0 : image[y * SIZE + x];
}

/** Random displacements on a coarse grid; interpolating them gives a smooth distortion field. */
function elasticGrids(random: SeededRandom, pixels: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(ELASTIC_GRID * ELASTIC_GRID);
  const y = new Float32Array(ELASTIC_GRID * ELASTIC_GRID);
  for (let index = 0; index < x.length; index++) {
    x[index] = random.normal() * pixels;
    y[index] = random.normal() * pixels;
  }

  return { x, y };
}

function interpolateGrid(grid: Float32Array, x: number, y: number): number {
  const gridX = (x / (SIZE - 1)) * (ELASTIC_GRID - 1);
  const gridY = (y / (SIZE - 1)) * (ELASTIC_GRID - 1);
  const left = Math.min(Math.floor(gridX), ELASTIC_GRID - 2);
  const top = Math.min(Math.floor(gridY), ELASTIC_GRID - 2);
  const fractionX = gridX - left;
  const fractionY = gridY - top;
  const at = (column: number, row: number) => grid[row * ELASTIC_GRID + column];

  return (
    at(left, top) * (1 - fractionX) * (1 - fractionY) +
    at(left + 1, top) * fractionX * (1 - fractionY) +
    at(left, top + 1) * (1 - fractionX) * fractionY +
    at(left + 1, top + 1) * fractionX * fractionY
  );
}

/** Max (thicker strokes) or min (thinner strokes) over each pixel and its four neighbours. */
function crossFilter(image: Float32Array, combine: (...values: number[]) => number): Float32Array {
  const output = new Float32Array(PIXELS);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      output[y * SIZE + x] = combine(
        image[y * SIZE + x],
        pixel(image, x - 1, y),
        pixel(image, x + 1, y),
        pixel(image, x, y - 1),
        pixel(image, x, y + 1),
      );
    }
  }

  return output;
}

/** Separable [1, 2, 1] / 4 blur. */
function blur(image: Float32Array): Float32Array {
  const horizontal = new Float32Array(PIXELS);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      horizontal[y * SIZE + x] =
        (pixel(image, x - 1, y) + 2 * image[y * SIZE + x] + pixel(image, x + 1, y)) / 4;
    }
  }

  const output = new Float32Array(PIXELS);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      output[y * SIZE + x] =
        (pixel(horizontal, x, y - 1) + 2 * horizontal[y * SIZE + x] + pixel(horizontal, x, y + 1)) /
        4;
    }
  }

  return output;
}

/** Fainter or harsher ink (gain and gamma) and a faint background, as photos give. */
function adjustContrast(image: Float32Array, random: SeededRandom): void {
  const gain = random.uniform(0.6, 1.2);
  const gamma = Math.exp(random.uniform(-0.4, 0.4));
  const background = random.chance(0.3) ? random.uniform(0, 0.1) : 0;
  for (let index = 0; index < PIXELS; index++) {
    const value = background + (1 - background) * gain * Math.pow(image[index], gamma);
    image[index] = Math.min(1, value);
  }
}

function addNoise(image: Float32Array, random: SeededRandom): void {
  const deviation = random.uniform(0.01, 0.06);
  for (let index = 0; index < PIXELS; index++) {
    image[index] = Math.min(1, Math.max(0, image[index] + random.normal() * deviation));
  }
}

function sum(image: Float32Array): number {
  let total = 0;
  for (let index = 0; index < PIXELS; index++) {
    total += image[index];
  }

  return total;
}
