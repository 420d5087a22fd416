import { decodeImage, DecodedImage, PixelBox } from './decode-image';
import {
  boxBlur,
  Component,
  createRaster,
  crop,
  extremumFilter,
  GreyRaster,
  labelComponents,
  otsuThreshold,
  percentile,
  percentiles,
  resample,
} from './grey-raster';
import { ImageInfo, ImageLimits } from './inspect-image';

// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { ceil, floor, max, min, round } = Math;

/** Side of the square the model reads, as in MNIST. */
export const DIGIT_IMAGE_SIZE = 28;

/** MNIST fits each digit into a 20 × 20 box before centring it in the 28 × 28 frame. */
const DIGIT_BOX_SIZE = 20;

/** Photos are worked on at this size at most: enough for a digit, and fast. */
const WORKING_MAX_SIDE = 640;

/** MNIST strokes are about this wide in the 20-pixel box; thinner ones are thickened. */
const TARGET_STROKE_WIDTH = 2.4;

/** Digits whose box is at most this many working pixels are read again from the full image. */
const SMALL_DIGIT_SIDE = 0.4 * WORKING_MAX_SIDE;

/** How much less a group of ink touching the image border counts when picking the digit. */
const BORDER_PENALTY = 0.2;

/** How much less it counts when it lies along the border: a band at one edge, or a frame. */
const ALONG_BORDER_PENALTY = 0.02;

/** Ink fainter than this (on 0..255, after removing the background) is not a drawing. */
const MIN_INK_CONTRAST = 24;

/** How the digit was drawn relative to its background. */
export type InkPolarity = 'dark-on-light' | 'light-on-dark';

/** An upload turned into what an MNIST-trained model expects. */
export interface NormalisedDigit {
  /** 28 × 28 values in [0, 1], row by row: white (1) ink on black (0), as in MNIST. */
  pixels: Float32Array;
  /** The same image as 0..255 bytes, for a preview PNG. */
  preview: Uint8Array;
  /** True when no ink was found; `pixels` and `preview` are then all zero. */
  isBlank: boolean;
  /** How the ink was drawn in the upload. */
  polarity: InkPolarity;
  /** Where the ink was found in the upright upload; absent when blank. */
  inkBox?: PixelBox;
  /** Format and stored size of the upload. */
  source: ImageInfo;
}

/** How the ink shows: the grey level behind transparent pixels, and the ink's polarity. */
interface InkLook {
  transparentAs: number;
  polarity: InkPolarity;
}

interface InkReading {
  image: DecodedImage;
  look: InkLook;
  strokes: InkStrokes | undefined;
}

interface InkStrokes {
  /** Stroke strength in [0, 1] at working size, zero away from the digit. */
  strength: GreyRaster;
  box: { left: number; top: number; right: number; bottom: number };
  strokeWidth: number;
}

/**
 * Turns an uploaded image of one handwritten digit into a 28 × 28 MNIST-style image: upright,
 * grey, ink white on black, background removed, cropped to the ink, scaled into a 20 × 20 box
 * and centred by its centre of mass.
 *
 * @throws ImageRejectedError when the upload is empty, not a supported format, over
 *   `limits.maxPixels`, or corrupt. A readable image without ink is not an error: it comes back
 *   with `isBlank: true`.
 */
export async function normaliseDigitImage(
  bytes: Uint8Array,
  limits: ImageLimits,
): Promise<NormalisedDigit> {
  const overview = await decodeImage(bytes, { limits, maxSide: WORKING_MAX_SIDE });
  const first = readInk(overview);
  if (!first.strokes) {
    const pixels = new Float32Array(DIGIT_IMAGE_SIZE * DIGIT_IMAGE_SIZE);
    const { polarity } = first.look;
    return { pixels, preview: toBytes(pixels), isBlank: true, polarity, source: overview.source };
  }

  const detail = await readDetail(bytes, limits, first);
  const reading = detail?.strokes ? detail : first;
  const strokes = reading.strokes as InkStrokes;

  const pixels = fitIntoDigitFrame(strokes);
  return {
    pixels,
    preview: toBytes(pixels),
    isBlank: false,
    polarity: first.look.polarity,
    inkBox: toSourceBox(strokes.box, reading.image),
    source: overview.source,
  };
}

/** Finds the strokes in a decoded image, judging its look unless it is already known. */
function readInk(image: DecodedImage, knownLook?: InkLook): InkReading {
  const look = knownLook ?? judgeLook(image);

  const grey = flattenToGrey(image, look.transparentAs);
  const ink = removeBackground(grey, look.polarity);
  return { image, look, strokes: findDigitStrokes(ink) };
}

/**
 * A small digit in a large image spans only a few pixels at working size, too few for its
 * strokes to survive: decode the region around it again, at a resolution that suits it.
 */
async function readDetail(
  bytes: Uint8Array,
  limits: ImageLimits,
  overview: InkReading,
): Promise<InkReading | undefined> {
  const { image, strokes } = overview;
  const workingScale = image.width / image.region.width;
  const box = strokes?.box;
  if (!box || workingScale > 0.9) {
    return undefined;
  }
  const boxSide = max(box.right - box.left, box.bottom - box.top);
  if (boxSide > SMALL_DIGIT_SIDE) {
    return undefined;
  }

  const margin = 0.3 * boxSide + 2;
  const region = {
    left: (box.left - margin) / workingScale,
    top: (box.top - margin) / workingScale,
    width: (box.right - box.left + 2 * margin) / workingScale,
    height: (box.bottom - box.top + 2 * margin) / workingScale,
  };
  const detail = await decodeImage(bytes, { limits, maxSide: WORKING_MAX_SIDE, region });
  return readInk(detail, overview.look);
}

/** How ink shows in the whole image: decided once, before any cropping. */
function judgeLook(image: DecodedImage): InkLook {
  const transparentAs = chooseTransparentBackground(image);
  const polarity = detectPolarity(flattenToGrey(image, transparentAs));
  return { transparentAs, polarity };
}

/**
 * The grey level to put behind transparent pixels. Canvas exports draw ink on a transparent
 * background whose colour channels may equal the ink's (black ink on transparent black, white
 * on transparent white), so only alpha separates them: put the colour opposite to the opaque
 * content behind them, which makes the ink stand out whatever the hidden colour is.
 */
function chooseTransparentBackground(image: DecodedImage): number {
  const { data, width, height } = image;
  const pixelCount = width * height;

  let transparentCount = 0;
  let opaqueLuminance = 0;
  let opaqueWeight = 0;
  for (let index = 0; index < pixelCount; index++) {
    const alpha = data[index * 4 + 3] / 255;
    if (alpha < 0.5) {
      transparentCount++;
    }
    opaqueLuminance += luminanceAt(data, index) * alpha;
    opaqueWeight += alpha;
  }

  const hasTransparentBackground = transparentCount / pixelCount > 0.01;
  const isOpaqueContentDark = opaqueWeight > 0 && opaqueLuminance / opaqueWeight < 128;
  return hasTransparentBackground && !isOpaqueContentDark ? 0 : 255;
}

/** Luminance on 0..255, composited over `background` where the image is transparent. */
function flattenToGrey(image: DecodedImage, background: number): GreyRaster {
  const { data, width, height } = image;
  const grey = createRaster(width, height);
  for (let index = 0; index < grey.data.length; index++) {
    const alpha = data[index * 4 + 3] / 255;
    grey.data[index] = luminanceAt(data, index) * alpha + background * (1 - alpha);
  }
  return grey;
}

function luminanceAt(data: Uint8Array, index: number): number {
  return 0.299 * data[index * 4] + 0.587 * data[index * 4 + 1] + 0.114 * data[index * 4 + 2];
}

/**
 * Ink is the minority: the far tail of the grey levels lies on the ink's side of the median.
 * Unless that tail is much the longer, the polarity whose ink looks like pen strokes wins too:
 * read the wrong way round, the paper inside loops or a lit centre in a dark vignette becomes a
 * wide blob. Failing both, the border tells the background's brightness.
 */
function detectPolarity(grey: GreyRaster): InkPolarity {
  const [darkest, median, lightest] = percentiles(grey.data, [0.005, 0.5, 0.995]);
  const darkTail = median - darkest;
  const lightTail = lightest - median;
  if (darkTail > 3 * lightTail) {
    return 'dark-on-light';
  }
  if (lightTail > 3 * darkTail) {
    return 'light-on-dark';
  }

  const darkInk = strokeThickness(grey, 'dark-on-light');
  const lightInk = strokeThickness(grey, 'light-on-dark');
  if (darkInk < 0.7 * lightInk) {
    return 'dark-on-light';
  }
  if (lightInk < 0.7 * darkInk) {
    return 'light-on-dark';
  }

  if (darkTail > 1.5 * lightTail) {
    return 'dark-on-light';
  }
  if (lightTail > 1.5 * darkTail) {
    return 'light-on-dark';
  }
  return borderMedian(grey) >= 128 ? 'dark-on-light' : 'light-on-dark';
}

/** Stroke width relative to the size of the ink found with `polarity`; Infinity for none. */
function strokeThickness(grey: GreyRaster, polarity: InkPolarity): number {
  const strokes = findDigitStrokes(removeBackground(grey, polarity));
  if (!strokes) {
    return Infinity;
  }

  const { box, strokeWidth } = strokes;
  return strokeWidth / max(box.right - box.left, box.bottom - box.top);
}

function borderMedian(grey: GreyRaster): number {
  const { width, height } = grey;
  const ring = max(1, round(min(width, height) * 0.03));
  const values: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const isBorder = x < ring || y < ring || x >= width - ring || y >= height - ring;
      if (isBorder) {
        values.push(grey.data[y * width + x]);
      }
    }
  }
  return percentile(Float32Array.from(values), 0.5);
}

/**
 * Ink as a bright signal on a flat black background. The background (paper under uneven light,
 * shadows, tinted paper) is estimated with a grey-level opening wider than any stroke, which
 * keeps slow changes of brightness and drops the strokes, then subtracted.
 */
function removeBackground(grey: GreyRaster, polarity: InkPolarity): GreyRaster {
  const inkBright = createRaster(grey.width, grey.height);
  for (let index = 0; index < grey.data.length; index++) {
    const value = grey.data[index];
    inkBright.data[index] = polarity === 'dark-on-light' ? 255 - value : value;
  }

  const background = estimateBackground(inkBright);

  const ink = createRaster(grey.width, grey.height);
  for (let index = 0; index < ink.data.length; index++) {
    ink.data[index] = max(0, inkBright.data[index] - background.data[index]);
  }
  return ink;
}

/**
 * A grey-level opening wider than any stroke, then smoothed. The background changes slowly, so it
 * is computed on a reduced copy: the result is the same, many times faster.
 */
function estimateBackground(inkBright: GreyRaster): GreyRaster {
  const { width, height } = inkBright;
  const radius = max(2, round(0.15 * max(width, height)));
  const reduction = max(1, floor(radius / 6));
  const reduced = resample(inkBright, ceil(width / reduction), ceil(height / reduction));

  const reducedRadius = max(1, round(radius / reduction));
  const opened = extremumFilter(
    extremumFilter(reduced, reducedRadius, 'min'),
    reducedRadius,
    'max',
  );
  const smoothed = boxBlur(opened, max(1, round(reducedRadius / 2)));
  return resample(smoothed, width, height);
}

/**
 * Separates the strokes of the digit from paper texture, grid lines and specks: threshold
 * (Otsu), keep the main group of connected strokes, and map stroke strength to [0, 1] so faint
 * pencil and heavy marker end up alike. Returns undefined when there is no ink.
 */
function findDigitStrokes(ink: GreyRaster): InkStrokes | undefined {
  const peak = maxOf(boxBlur(ink, 1).data);
  if (peak < MIN_INK_CONTRAST) {
    return undefined;
  }

  const selection = selectStrokes(ink, peak);
  if (!selection) {
    return undefined;
  }

  const { threshold, labels, kept } = selection;
  const keptLabels = new Set(kept.map((component) => component.label));
  const keptMask = createRaster(ink.width, ink.height);
  const strokeValues: number[] = [];
  for (let index = 0; index < labels.length; index++) {
    if (keptLabels.has(labels[index])) {
      keptMask.data[index] = 1;
      strokeValues.push(ink.data[index]);
    }
  }

  const strokeLevel = percentile(Float32Array.from(strokeValues), 0.5);
  const floor = threshold / 2;
  const nearStrokes = extremumFilter(keptMask, 1, 'max');
  const strength = createRaster(ink.width, ink.height);
  for (let index = 0; index < strength.data.length; index++) {
    const value = (ink.data[index] - floor) / max(1, strokeLevel - floor);
    strength.data[index] = nearStrokes.data[index] * min(1, max(0, value));
  }

  return {
    strength,
    box: unionBox(kept, ink.width, ink.height),
    strokeWidth: estimateStrokeWidth(keptMask),
  };
}

interface StrokeSelection {
  threshold: number;
  labels: Int32Array;
  kept: Component[];
  main: Component;
}

/**
 * Thresholds the ink (Otsu) and picks the digit's components. When what it picks spans the whole
 * image, it is usually ruled paper or a frame drawn fainter than the digit: higher thresholds
 * among the inked pixels drop it, and one is used once the picked area really breaks up.
 */
function selectStrokes(ink: GreyRaster, peak: number): StrokeSelection | undefined {
  const threshold = max(otsuThreshold(ink.data, peak), MIN_INK_CONTRAST / 2);
  const selection = selectAtThreshold(ink, threshold);
  if (!selection || !spansImage(selection.main, ink)) {
    return selection;
  }

  let higher = threshold;
  for (let attempt = 0; attempt < 3; attempt++) {
    const lower = higher;
    higher = otsuThreshold(
      ink.data.filter((value) => value > lower),
      peak,
    );
    const alternative = higher > lower ? selectAtThreshold(ink, higher) : undefined;
    if (!alternative) {
      break;
    }
    const isBrokenUp =
      !spansImage(alternative.main, ink, 'either') &&
      alternative.main.area < 0.5 * selection.main.area;
    if (isBrokenUp) {
      return alternative;
    }
  }
  return selection;
}

function selectAtThreshold(ink: GreyRaster, threshold: number): StrokeSelection | undefined {
  const mask = new Uint8Array(ink.width * ink.height);
  for (let index = 0; index < mask.length; index++) {
    mask[index] = ink.data[index] > threshold ? 1 : 0;
  }

  const { labels, components } = labelComponents(mask, ink.width, ink.height);
  const kept = selectDigitComponents(components, ink);
  return kept.length > 0 ? { threshold, labels, kept, main: kept[0] } : undefined;
}

/** Whether the component reaches across the image (both ways, or `either` way) from its border. */
function spansImage(component: Component, raster: GreyRaster, extent: 'both' | 'either' = 'both') {
  const spansWidth = component.right - component.left + 1 >= 0.9 * raster.width;
  const spansHeight = component.bottom - component.top + 1 >= 0.9 * raster.height;
  const spans = extent === 'both' ? spansWidth && spansHeight : spansWidth || spansHeight;
  return component.touchesBorder && spans;
}

/**
 * The digit is the largest group of ink; frames, paper edges and table edges touch the border of
 * the photo while the digit usually does not, unless the image is cropped tightly around it, so
 * touching the border counts against a group without ruling it out, and lying along the border
 * (a band at one edge, or a frame around everything) counts heavily. The main group comes first.
 */
function selectDigitComponents(components: Component[], raster: GreyRaster): Component[] {
  const candidates = components.filter((component) => component.area >= 2);
  if (candidates.length === 0) {
    return [];
  }

  const main = maxBy(candidates, (component) => {
    if (!component.touchesBorder) {
      return component.area;
    }
    const isAlongBorder = liesAlongBorder(component, raster) || spansImage(component, raster);
    return (isAlongBorder ? ALONG_BORDER_PENALTY : BORDER_PENALTY) * component.area;
  });
  const reach = 0.3 * max(main.right - main.left + 1, main.bottom - main.top + 1);
  const others = candidates.filter(
    (component) =>
      component !== main &&
      (main.touchesBorder || !component.touchesBorder) &&
      component.area >= 0.05 * main.area &&
      boxGap(component, main) <= reach,
  );
  return [main, ...others];
}

/** Whether the component stays within a strip along one edge of the image. */
function liesAlongBorder(component: Component, raster: GreyRaster): boolean {
  const strip = 0.15;
  return (
    component.right < strip * raster.width ||
    component.left > (1 - strip) * raster.width ||
    component.bottom < strip * raster.height ||
    component.top > (1 - strip) * raster.height
  );
}

/** Scales the strokes into the 20-pixel box, thickening thin ones, and centres them by mass. */
function fitIntoDigitFrame(strokes: InkStrokes): Float32Array {
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

  const centre = (DIGIT_IMAGE_SIZE - 1) / 2;
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

/** Mean stroke width: a stroke's area is its width times its length, its outline twice its length. */
function estimateStrokeWidth(mask: GreyRaster): number {
  const { width, height, data } = mask;
  let area = 0;
  let outline = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!data[y * width + x]) {
        continue;
      }
      area++;
      const isEdge =
        x === 0 ||
        y === 0 ||
        x === width - 1 ||
        y === height - 1 ||
        !data[y * width + x - 1] ||
        !data[y * width + x + 1] ||
        !data[(y - 1) * width + x] ||
        !data[(y + 1) * width + x];
      if (isEdge) {
        outline++;
      }
    }
  }
  return outline === 0 ? 1 : max(1, (2 * area) / outline);
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
  const peak = maxOf(raster.data);
  if (peak <= 0 || peak >= 1) {
    return;
  }
  for (let index = 0; index < raster.data.length; index++) {
    raster.data[index] /= peak;
  }
}

function unionBox(components: Component[], width: number, height: number): InkStrokes['box'] {
  return {
    left: max(0, min(...components.map((component) => component.left))),
    top: max(0, min(...components.map((component) => component.top))),
    right: min(width, max(...components.map((component) => component.right + 1))),
    bottom: min(height, max(...components.map((component) => component.bottom + 1))),
  };
}

function padBox(box: InkStrokes['box'], padding: number, raster: GreyRaster): InkStrokes['box'] {
  return {
    left: max(0, box.left - padding),
    top: max(0, box.top - padding),
    right: min(raster.width, box.right + padding),
    bottom: min(raster.height, box.bottom + padding),
  };
}

function boxGap(first: Component, second: Component): number {
  const horizontal = max(0, first.left - second.right, second.left - first.right);
  const vertical = max(0, first.top - second.bottom, second.top - first.bottom);
  return max(horizontal, vertical);
}

function toSourceBox(box: InkStrokes['box'], image: DecodedImage): PixelBox {
  const factor = image.region.width / image.width;
  return {
    left: image.region.left + round(box.left * factor),
    top: image.region.top + round(box.top * factor),
    width: round((box.right - box.left) * factor),
    height: round((box.bottom - box.top) * factor),
  };
}

function toBytes(pixels: Float32Array): Uint8Array {
  return Uint8Array.from(pixels, (value) => round(value * 255));
}

function maxOf(values: Float32Array): number {
  let maximum = -Infinity;
  for (const value of values) {
    maximum = max(maximum, value);
  }
  return maximum;
}

function maxBy<T>(items: T[], score: (item: T) => number): T {
  return items.reduce((best, item) => (score(item) > score(best) ? item : best));
}

function clamp(value: number, minimum: number, maximum: number): number {
  return min(maximum, max(minimum, value));
}
