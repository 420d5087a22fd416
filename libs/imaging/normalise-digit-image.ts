import { decodeImage, DecodedImage, PixelBox } from './decode-image';
import { DIGIT_IMAGE_SIZE, fitIntoDigitFrame } from './digit-frame';
import { findDigitStrokes, SelectedStrokes, StrokeBox } from './digit-strokes';
import {
  boxBlur,
  createRaster,
  extremumFilter,
  GreyRaster,
  percentile,
  percentiles,
  resample,
} from './grey-raster';
import { ImageInfo, ImageLimits } from './inspect-image';

export { DIGIT_IMAGE_SIZE } from './digit-frame';

// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { ceil, floor, max, min, round } = Math;

/** Photos are worked on at this size at most: enough for a digit, and fast. */
const WORKING_MAX_SIDE = 640;

/** Digits whose box is at most this many working pixels are read again from the full image. */
const SMALL_DIGIT_SIDE = 0.4 * WORKING_MAX_SIDE;

/**
 * Background at least this share of the strokes' contrast above the paper is solid ink, not a
 * shadow: inside the digit's box, real uploads reach 0.23 at most (../shared/realworld/single,
 * shadows and vignettes included); a filled shape, 1.
 */
const SOLID_INK_LEVEL = 0.75;

/**
 * Solid ink over more than this many times the strokes' own area makes the strokes an outline:
 * a filled disc has 3.6, a filled square 19; real uploads 0.
 */
const MAX_SOLID_INK_RATIO = 1;

/**
 * Kept strokes holding less than this share of the image's ink are doubtful: real uploads of
 * one digit hold 1.00 (the lowest of ../shared/realworld/single), hatching 0.21. Two digits side
 * by side keep one of them, at least half the ink: 0.5 let them through, 0.9 flags 20 of 24
 * generated pairs and all seven digit-plus-unit or superscript cases tried, and none of 753
 * generated and real single digits (specks, thumbs, shadow bands and frames included).
 */
const MIN_KEPT_INK_SHARE = 0.9;

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
  /**
   * Why the strokes found may not be a digit at all, although they look like one; absent when
   * nothing casts doubt on them (always when blank). `pixels` are the same either way.
   */
  strokeDoubt?: StrokeDoubt;
}

/**
 * - `solid-ink`: a filled area of ink wider than any pen stroke was taken for background, so the
 *   strokes are only its outline (a filled disc comes out as a ring, a "0").
 * - `most-ink-set-aside`: the strokes hold only a small share of the image's ink (hatching, noise,
 *   several digits or objects): the rest was set aside as not part of the digit.
 */
export type StrokeDoubtCode = 'solid-ink' | 'most-ink-set-aside';

/** Why the strokes returned are doubtful as a digit. */
export interface StrokeDoubt {
  code: StrokeDoubtCode;
  /** One sentence for a person, with the measured value. */
  message: string;
}

/** How the ink shows: the grey level behind transparent pixels, and the ink's polarity. */
interface InkLook {
  transparentAs: number;
  polarity: InkPolarity;
}

interface InkReading {
  image: DecodedImage;
  look: InkLook;
  strokes: SelectedStrokes | undefined;
  /** Ink-dark background inside the strokes' box, in multiples of the strokes' area. */
  solidInk: number;
}

/** Ink as a bright signal, with the background estimated under it and what is left of it. */
interface InkLayers {
  /** Ink bright on dark, before the background is taken out. */
  inkBright: GreyRaster;
  /** The background estimate; undefined when it is zero everywhere. */
  background: GreyRaster | undefined;
  /** Ink with the background taken out. */
  ink: GreyRaster;
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
  const strokes = reading.strokes as SelectedStrokes;

  const pixels = fitIntoDigitFrame(strokes);
  return {
    pixels,
    preview: toBytes(pixels),
    isBlank: false,
    polarity: first.look.polarity,
    inkBox: toSourceBox(strokes.box, reading.image),
    source: overview.source,
    // Solid ink from the reading whose strokes are returned (re-reading a small digit can make
    // a ring of a small disc); the ink share from the whole image, where the other ink is.
    strokeDoubt: judgeStrokes(reading.solidInk, first.strokes.inkShare),
  };
}

/** Finds the strokes in a decoded image, judging its look unless it is already known. */
function readInk(image: DecodedImage, knownLook?: InkLook): InkReading {
  const { look, grey } = knownLook
    ? { look: knownLook, grey: flattenToGrey(image, knownLook.transparentAs) }
    : judgeLook(image);

  const layers = removeBackground(grey, look.polarity);
  const strokes = findDigitStrokes(layers.ink);
  const solidInk = strokes ? measureSolidInk(strokes, layers) : 0;
  return { image, look, strokes, solidInk };
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

/** How ink shows in the whole image: decided once, before any cropping; with the grey image. */
function judgeLook(image: DecodedImage): { look: InkLook; grey: GreyRaster } {
  const transparentAs = chooseTransparentBackground(image);
  const grey = flattenToGrey(image, transparentAs);
  return { look: { transparentAs, polarity: detectPolarity(grey) }, grey };
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
  const output = grey.data;
  for (let index = 0; index < output.length; index++) {
    const alpha = data[index * 4 + 3] / 255;
    output[index] = luminanceAt(data, index) * alpha + background * (1 - alpha);
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
  const strokes = findDigitStrokes(removeBackground(grey, polarity).ink);
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
function removeBackground(grey: GreyRaster, polarity: InkPolarity): InkLayers {
  const inkBright = createRaster(grey.width, grey.height);
  const bright = inkBright.data;
  if (polarity === 'dark-on-light') {
    for (let index = 0; index < bright.length; index++) {
      bright[index] = 255 - grey.data[index];
    }
  } else {
    bright.set(grey.data);
  }

  const background = estimateBackground(inkBright);

  const ink = createRaster(grey.width, grey.height);
  const output = ink.data;
  if (!background) {
    for (let index = 0; index < output.length; index++) {
      output[index] = max(0, bright[index]);
    }
    return { inkBright, background, ink };
  }
  for (let index = 0; index < output.length; index++) {
    output[index] = max(0, bright[index] - background.data[index]);
  }
  return { inkBright, background, ink };
}

/**
 * How much ink-dark background lies inside the strokes' box, in multiples of the strokes' own
 * area. The opening that estimates the background only keeps areas wider than any stroke, so
 * background as dark as the strokes is a filled shape whose inside was taken out. The paper level
 * is the lowest background in the box. 0 when there is no background.
 */
function measureSolidInk(strokes: SelectedStrokes, layers: InkLayers): number {
  const { inkBright, background } = layers;
  if (!background) {
    return 0;
  }

  const { box, strength } = strokes;
  const { width } = strength;
  const histogram = new Int32Array(256);
  let strokeSum = 0;
  let strokeArea = 0;
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const index = y * width + x;
      histogram[min(255, floor(background.data[index]))]++;
      if (strength.data[index] >= 0.5) {
        strokeSum += inkBright.data[index];
        strokeArea++;
      }
    }
  }
  if (strokeArea === 0) {
    return 0;
  }

  let paper = 0;
  while (paper < 255 && histogram[paper] === 0) {
    paper++;
  }
  const solidFrom = ceil(paper + SOLID_INK_LEVEL * (strokeSum / strokeArea - paper));
  let solidArea = 0;
  for (let level = max(0, solidFrom); level < 256; level++) {
    solidArea += histogram[level];
  }
  return solidArea / strokeArea;
}

/** The first reason, if any, to doubt that the strokes found are a digit. */
function judgeStrokes(solidInk: number, inkShare: number): StrokeDoubt | undefined {
  if (solidInk > MAX_SOLID_INK_RATIO) {
    return {
      code: 'solid-ink',
      message:
        `A filled area of ink ${solidInk.toFixed(1)} times the strokes' area was taken for ` +
        'background: the strokes are only its outline.',
    };
  }
  if (inkShare < MIN_KEPT_INK_SHARE) {
    return {
      code: 'most-ink-set-aside',
      message:
        `The strokes hold only ${round(inkShare * 100)}% of the ink in the image: the rest was ` +
        'set aside as not part of a digit.',
    };
  }
  return undefined;
}

/**
 * A grey-level opening wider than any stroke, then smoothed. The background changes slowly, so it
 * is computed on a reduced copy: the result is the same, many times faster. Undefined for a
 * background of zero everywhere: ink on clean, even paper, as in most small drawn digits.
 */
function estimateBackground(inkBright: GreyRaster): GreyRaster | undefined {
  const { width, height } = inkBright;
  const radius = max(2, round(0.15 * max(width, height)));
  const reduction = max(1, floor(radius / 6));
  const reduced =
    reduction > 1
      ? resample(inkBright, ceil(width / reduction), ceil(height / reduction))
      : inkBright;

  const reducedRadius = max(1, round(radius / reduction));
  const eroded = extremumFilter(reduced, reducedRadius, 'min');
  if (isAllZero(eroded.data)) {
    // Dilating, blurring and resizing zeros gives zeros: nothing to subtract.
    return undefined;
  }
  const opened = extremumFilter(eroded, reducedRadius, 'max');
  const smoothed = resample(boxBlur(opened, max(1, round(reducedRadius / 2))), width, height);

  // Smoothing rounds off the sharp edge of a shadow, which would leave a band of false ink along
  // it; the unsmoothed opening follows such edges, so the higher of the two is the background.
  const unsmoothed = resample(opened, width, height);
  for (let index = 0; index < smoothed.data.length; index++) {
    smoothed.data[index] = max(smoothed.data[index], unsmoothed.data[index]);
  }
  return smoothed;
}

function isAllZero(values: Float32Array): boolean {
  for (let index = 0; index < values.length; index++) {
    if (values[index] !== 0) {
      return false;
    }
  }
  return true;
}

function toSourceBox(box: StrokeBox, image: DecodedImage): PixelBox {
  const factor = image.region.width / image.width;
  return {
    left: image.region.left + round(box.left * factor),
    top: image.region.top + round(box.top * factor),
    width: round((box.right - box.left) * factor),
    height: round((box.bottom - box.top) * factor),
  };
}

function toBytes(pixels: Float32Array): Uint8Array {
  const bytes = new Uint8Array(pixels.length);
  for (let index = 0; index < pixels.length; index++) {
    bytes[index] = round(pixels[index] * 255);
  }
  return bytes;
}
