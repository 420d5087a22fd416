import { InkStrokes, StrokeBox } from './digit-strokes';
import { crop, extremumFilter, GreyRaster, maximumValue, resample } from './grey-raster';

// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { max, min, round } = Math;

/** Side of the square the model reads, as in MNIST. */
export const DIGIT_IMAGE_SIZE = 28;

/** MNIST fits each digit into a 20 × 20 box before centring it in the 28 × 28 frame. */
const DIGIT_BOX_SIZE = 20;

/** MNIST strokes are about this wide in the 20-pixel box; thinner ones are thickened. */
const TARGET_STROKE_WIDTH = 2.4;

/** Scales the strokes into the 20-pixel box, thickening thin ones, and centres them by mass. */
export function fitIntoDigitFrame(strokes: InkStrokes): Float32Array {
  const { box, strokeWidth } = strokes;
  const longestSide = max(box.right - box.left, box.bottom - box.top);
  const scale = DIGIT_BOX_SIZE / longestSide;
  const growth = max(0, round((TARGET_STROKE_WIDTH / scale - strokeWidth) / 2));

  const padded = padBox(box, growth + 1, strokes.strength);
  let region = crop(strokes.strength, padded.left, padded.top, padded.right, padded.bottom);
  if (growth > 0) {
    region = extremumFilter(region, growth, 'max');
  }

  const grownSide = longestSide + 2 * growth;
  const grownScale = DIGIT_BOX_SIZE / grownSide;
  const inkRegion = trimToInk(region);
  const width = max(1, round(inkRegion.width * grownScale));
  const height = max(1, round(inkRegion.height * grownScale));
  const digit = resample(inkRegion, min(DIGIT_BOX_SIZE, width), min(DIGIT_BOX_SIZE, height));

  stretchToFullRange(digit);
  return centreByMass(digit);
}

/** Places `digit` in the 28 × 28 frame so that its centre of mass falls on the frame's centre. */
function centreByMass(digit: GreyRaster): Float32Array {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      const value = digit.data[y * digit.width + x];
      mass += value;
      sumX += value * x;
      sumY += value * y;
    }
  }

  // MNIST puts the centre of mass at pixel index 14 (its mean over the test set is 14.0), half a
  // pixel right of and below the geometric centre 13.5.
  const centre = DIGIT_IMAGE_SIZE / 2;
  const offsetX = clamp(round(centre - sumX / mass), 0, DIGIT_IMAGE_SIZE - digit.width);
  const offsetY = clamp(round(centre - sumY / mass), 0, DIGIT_IMAGE_SIZE - digit.height);
  const pixels = new Float32Array(DIGIT_IMAGE_SIZE * DIGIT_IMAGE_SIZE);
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      pixels[(y + offsetY) * DIGIT_IMAGE_SIZE + x + offsetX] = digit.data[y * digit.width + x];
    }
  }
  return pixels;
}

function trimToInk(raster: GreyRaster): GreyRaster {
  let left = raster.width;
  let top = raster.height;
  let right = -1;
  let bottom = -1;
  for (let y = 0; y < raster.height; y++) {
    for (let x = 0; x < raster.width; x++) {
      if (raster.data[y * raster.width + x] > 0.05) {
        left = min(left, x);
        right = max(right, x);
        top = min(top, y);
        bottom = max(bottom, y);
      }
    }
  }
  return right < 0 ? raster : crop(raster, left, top, right + 1, bottom + 1);
}

function stretchToFullRange(raster: GreyRaster): void {
  const peak = maximumValue(raster.data);
  if (peak <= 0 || peak >= 1) {
    return;
  }
  for (let index = 0; index < raster.data.length; index++) {
    raster.data[index] /= peak;
  }
}

function padBox(box: StrokeBox, padding: number, raster: GreyRaster): StrokeBox {
  return {
    left: max(0, box.left - padding),
    top: max(0, box.top - padding),
    right: min(raster.width, box.right + padding),
    bottom: min(raster.height, box.bottom + padding),
  };
}

function clamp(value: number, minimum: number, maximum: number): number {
  return min(maximum, max(minimum, value));
}
