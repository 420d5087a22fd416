import {
  boxBlur,
  Component,
  createRaster,
  extremumFilter,
  GreyRaster,
  labelComponents,
  maximumValue,
  otsuThreshold,
  percentile,
} from './grey-raster';

// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { abs, hypot, max, min, round } = Math;

/** A rectangle of pixels; right and bottom are exclusive. */
export interface StrokeBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The digit's strokes found in a working-size image. */
export interface InkStrokes {
  /** Stroke strength in [0, 1] at working size, zero away from the digit. */
  strength: GreyRaster;
  /** Bounding box of the strokes, right and bottom exclusive. */
  box: StrokeBox;
  /** Mean stroke width in working pixels. */
  strokeWidth: number;
}

/** The strokes `findDigitStrokes` kept, with how much of the image's ink they are. */
export interface SelectedStrokes extends InkStrokes {
  /**
   * Share of the image's ink that the kept strokes hold, in (0, 1]: area above the threshold,
   * ruled lines taken out, not counting specks or groups lying along the border.
   */
  inkShare: number;
}

/** How much less a group of ink touching the image border counts when picking the digit. */
const BORDER_PENALTY = 0.2;

/** How much less it counts when it lies along the border: a band at one edge, or a frame. */
const ALONG_BORDER_PENALTY = 0.02;

/** A group of ink smaller than this share of the main group's area is a speck, never a part. */
const MIN_PART_SHARE = 0.05;

/**
 * A frame around the digit (a box to write in, a circle around an answer) is the largest group of
 * ink but encloses another one: what it encloses counts when its longer side is at least this
 * share of the frame's shorter side, so that a speck inside a 0 or a 6 never does.
 */
const MIN_ENCLOSED_SHARE = 0.3;

/**
 * Share of a frame's pixels that lie along its outline: within a band at the edges of its box
 * (a rectangle, open on one side or not), around the ellipse inscribed in its box (a circle), or
 * in a row or column inked over most of the box (the walls between boxes in a row).
 */
const MIN_FRAME_OUTLINE_SHARE = 0.85;

/** Most width / height of what a frame encloses for it to be read as the digit. */
const MAX_FRAMED_ASPECT = 0.84;

/** Ruled paper has at least this many parallel lines; a digit has fewer straight strokes. */
const MIN_RULED_LINES = 3;

/** Gap, in working pixels, bridged between pieces of a stroke cut by a removed ruled line. */
const LINE_GAP_BRIDGE = 3;

/**
 * Ink whose edges rise by less than this fraction of its level per pixel is a shadow or a smudge,
 * not a drawing: strokes rise over a few pixels (0.16 to 0.5 per pixel in the real uploads of
 * ../shared, blurred marker photos included); a shadow blurred over ten pixels, about 0.06.
 */
const MIN_EDGE_SHARPNESS = 0.08;

/** The smallest digit, in working pixels and as a fraction of the longer side of the image. */
const MIN_DIGIT_SIDE = 4;
const MIN_DIGIT_FRACTION = 0.01;

/** Ink fainter than this (on 0..255, after removing the background) is not a drawing. */
const MIN_INK_CONTRAST = 24;

/**
 * Separates the strokes of the digit from paper texture, grid lines and specks: threshold
 * (Otsu), keep the main group of connected strokes, and map stroke strength to [0, 1] so faint
 * pencil and heavy marker end up alike. Returns undefined when there is no ink.
 */
export function findDigitStrokes(inkWithLines: GreyRaster): SelectedStrokes | undefined {
  const peak = maximumValue(boxBlur(inkWithLines, 1).data);
  if (peak < MIN_INK_CONTRAST) {
    return undefined;
  }

  const selection = selectStrokes(inkWithLines, peak);
  if (!selection) {
    return undefined;
  }

  // The selection may have been made on the ink with ruled lines taken out.
  const { ink, threshold, labels, kept } = selection;
  const isKeptLabel = new Uint8Array(maxLabel(labels) + 1);
  kept.forEach((component) => (isKeptLabel[component.label] = 1));
  const keptMask = createRaster(ink.width, ink.height);
  const strokeValues = new Float32Array(labels.length);
  let strokeCount = 0;
  for (let index = 0; index < labels.length; index++) {
    if (isKeptLabel[labels[index]]) {
      keptMask.data[index] = 1;
      strokeValues[strokeCount++] = ink.data[index];
    }
  }

  const strokeLevel = percentile(strokeValues.subarray(0, strokeCount), 0.5);
  if (edgeSharpness(ink, keptMask) < MIN_EDGE_SHARPNESS * strokeLevel) {
    return undefined;
  }
  const nearStrokes = extremumFilter(keptMask, 1, 'max');

  const strengthFloor = threshold / 2;
  const strengthRange = max(1, strokeLevel - strengthFloor);
  const strength = createRaster(ink.width, ink.height);
  for (let index = 0; index < strength.data.length; index++) {
    const value = (ink.data[index] - strengthFloor) / strengthRange;
    strength.data[index] = nearStrokes.data[index] * min(1, max(0, value));
  }

  return {
    strength,
    box: unionBox(kept, ink.width, ink.height),
    strokeWidth: estimateStrokeWidth(keptMask),
    inkShare: keptInkShare(selection),
  };
}

/**
 * How much of the ink that could be part of a digit the kept strokes hold. Groups the selection
 * would never keep are left out: specks (below its size bar) and frames or paper edges along the
 * border; ruled lines are already gone from the ink it worked on.
 */
function keptInkShare(selection: StrokeSelection): number {
  const { ink, kept, main, components } = selection;
  const keptArea = kept.reduce((sum, component) => sum + component.area, 0);
  let inkArea = keptArea;
  for (const component of components) {
    const isSpeck = component.area < MIN_PART_SHARE * main.area;
    const isAlongBorder = component.touchesBorder && isBorderGroup(component, ink);
    const isFrame = component === selection.frame;
    if (!isSpeck && !isAlongBorder && !isFrame && !kept.includes(component)) {
      inkArea += component.area;
    }
  }
  return keptArea / inkArea;
}

/**
 * How steeply the ink rises at its outline (median gradient, in grey levels per pixel, over the
 * pixels of the strokes that touch the paper). Pen and pencil have edges a few pixels wide even
 * out of focus; a soft shadow or a smudge left over by the background estimate rises over tens.
 */
function edgeSharpness(ink: GreyRaster, strokes: GreyRaster): number {
  const { width, height, data } = ink;
  const gradients = new Float32Array(width * height);
  let gradientCount = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const index = y * width + x;
      const isOutline =
        strokes.data[index] &&
        !(
          strokes.data[index - 1] &&
          strokes.data[index + 1] &&
          strokes.data[index - width] &&
          strokes.data[index + width]
        );
      if (isOutline) {
        const horizontal = data[index + 1] - data[index - 1];
        const vertical = data[index + width] - data[index - width];
        gradients[gradientCount++] = hypot(horizontal, vertical) / 2;
      }
    }
  }
  return percentile(gradients.subarray(0, gradientCount), 0.5);
}

interface StrokeSelection {
  ink: GreyRaster;
  threshold: number;
  labels: Int32Array;
  kept: Component[];
  main: Component;
  /** Every group of ink at this threshold, kept or not. */
  components: Component[];
  /** A box or circle drawn around the digit, set aside. */
  frame?: Component;
}

/**
 * Thresholds the ink (Otsu) and picks the digit's components. When what it picks spans the whole
 * image, it is usually ruled paper or a frame: taking out the ruled lines, or a higher threshold
 * among the inked pixels when they are fainter than the digit, is used once the picked area
 * really breaks up.
 */
function selectStrokes(ink: GreyRaster, peak: number): StrokeSelection | undefined {
  const threshold = max(otsuThreshold(ink.data, peak), MIN_INK_CONTRAST / 2);
  const selection = selectAtThreshold(ink, threshold);
  if (!selection || !spansImage(selection.main, ink, 'either')) {
    return selection;
  }

  const isClear = (alternative?: StrokeSelection): alternative is StrokeSelection =>
    alternative !== undefined && !spansImage(alternative.main, alternative.ink, 'either');
  const isBrokenUp = (alternative?: StrokeSelection) =>
    isClear(alternative) && alternative.main.area < 0.5 * selection.main.area;

  const inkWithoutLines = removeRuledLines(ink, threshold);
  if (inkWithoutLines) {
    // Strokes crossing a removed line are cut in two; bridging the cut keeps them one group.
    const alternative = selectAtThreshold(inkWithoutLines, threshold, LINE_GAP_BRIDGE);
    if (!alternative || isClear(alternative)) {
      // Without the lines, nothing is left: blank ruled paper.
      return alternative;
    }
  }
  if (!spansImage(selection.main, ink)) {
    // Reaching across one way only is also how a tightly cropped digit looks.
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
    if (isBrokenUp(alternative)) {
      return alternative;
    }
  }
  return selection;
}

/**
 * Ruled or squared paper: takes out horizontal and vertical lines much longer than a digit's
 * strokes, found with grey-level openings along rows and along columns. Only rows (columns)
 * inked over most of their length count, and only a direction with several such lines counts
 * as ruled, so that a digit's own long strokes survive. Returns undefined when not ruled.
 */
function removeRuledLines(ink: GreyRaster, threshold: number): GreyRaster | undefined {
  const rowLines = findLines(ink, threshold, 'rows');
  const columnLines = findLines(ink, threshold, 'columns');
  if (!rowLines && !columnLines) {
    return undefined;
  }

  const result = createRaster(ink.width, ink.height);
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      const index = y * ink.width + x;
      const rowLine = rowLines?.isLine[y] ? rowLines.strength.data[index] : 0;
      const columnLine = columnLines?.isLine[x] ? columnLines.strength.data[index] : 0;
      result.data[index] = max(0, ink.data[index] - max(rowLine, columnLine));
    }
  }
  return result;
}

interface RuledLines {
  /** Ink that belongs to long straight lines in this direction. */
  strength: GreyRaster;
  /** For each row (or column): whether a ruled line runs along it, or right beside it. */
  isLine: Uint8Array;
}

function findLines(
  ink: GreyRaster,
  threshold: number,
  axes: 'rows' | 'columns',
): RuledLines | undefined {
  const isRows = axes === 'rows';
  const count = isRows ? ink.height : ink.width;
  const length = isRows ? ink.width : ink.height;
  const radius = max(4, round(length / 8));
  const strength = extremumFilter(extremumFilter(ink, radius, 'min', axes), radius, 'max', axes);

  const isInked = new Uint8Array(count);
  for (let line = 0; line < count; line++) {
    let inked = 0;
    for (let position = 0; position < length; position++) {
      const index = isRows ? line * ink.width + position : position * ink.width + line;
      inked += strength.data[index] > threshold ? 1 : 0;
    }
    isInked[line] = inked >= 0.6 * length ? 1 : 0;
  }

  // Ruled lines are thin: a thick run of inked rows is a stroke of the digit, not a line.
  const maxThickness = max(3, round(count * 0.012));
  let lineCount = 0;
  for (let start = 0; start < count; start++) {
    if (!isInked[start] || isInked[start - 1]) {
      continue;
    }
    let end = start;
    while (end + 1 < count && isInked[end + 1]) {
      end++;
    }
    if (end - start + 1 > maxThickness) {
      isInked.fill(0, start, end + 1);
    } else {
      lineCount++;
    }
  }
  if (lineCount < MIN_RULED_LINES) {
    return undefined;
  }

  // The faint, anti-aliased edges of a line lie in the rows next to it.
  const isLine = isInked.map((_, line) =>
    isInked[line - 1] || isInked[line] || isInked[line + 1] ? 1 : 0,
  );
  return { strength, isLine };
}

function selectAtThreshold(
  ink: GreyRaster,
  threshold: number,
  bridgeRadius = 0,
): StrokeSelection | undefined {
  const mask = new Uint8Array(ink.width * ink.height);
  for (let index = 0; index < mask.length; index++) {
    mask[index] = ink.data[index] > threshold ? 1 : 0;
  }

  const grouping = bridgeRadius > 0 ? dilateMask(mask, ink, bridgeRadius) : mask;
  const { labels, components } = labelComponents(grouping, ink.width, ink.height);
  for (let index = 0; index < labels.length; index++) {
    labels[index] = mask[index] ? labels[index] : 0;
  }

  const picked = selectDigitComponents(components, ink);
  const framed = setFrameAside(picked, components, labels, ink);
  const kept = framed?.kept ?? picked;
  if (kept.length === 0 || !isLargeEnough(kept[0], ink)) {
    return undefined;
  }
  return { ink, threshold, labels, kept, main: kept[0], components, frame: framed?.frame };
}

/**
 * When a box or a circle is drawn around the digit, picks the digit among the groups inside it.
 * What is inside must be narrower than tall, as handwritten digits are: a tick or a cross in a
 * checkbox, or the words of a round stamp, stay with their frame.
 */
function setFrameAside(
  picked: Component[],
  components: Component[],
  labels: Int32Array,
  raster: GreyRaster,
): { frame: Component; kept: Component[] } | undefined {
  const frame = findFrame(picked, components, labels, raster);
  if (!frame) {
    return undefined;
  }
  const kept = selectDigitComponents(enclosedBy(frame, components), raster);
  if (kept.length === 0) {
    return undefined;
  }
  const box = unionBox(kept, raster.width, raster.height);
  const isNarrow = box.right - box.left <= MAX_FRAMED_ASPECT * (box.bottom - box.top);
  return isNarrow ? { frame, kept } : undefined;
}

/**
 * A frame drawn around the digit among the picked groups: the main group when the frame has more
 * ink than the digit, else a part kept for lying next to it. A frame encloses another group of
 * substantial size, which no digit does (specks inside a 0 or an 8 are small), and its pixels lie
 * along its outline, as those of a rectangle or a circle do.
 */
function findFrame(
  picked: Component[],
  components: Component[],
  labels: Int32Array,
  raster: GreyRaster,
): Component | undefined {
  return picked.find((candidate) => {
    if (candidate.touchesBorder) {
      // Frames along the border already count little; a cut-off one is not around the digit.
      return false;
    }
    const frameSide = min(candidate.right - candidate.left, candidate.bottom - candidate.top) + 1;
    const isSubstantial = enclosedBy(candidate, components).some(
      (component) =>
        max(component.right - component.left, component.bottom - component.top) + 1 >=
        MIN_ENCLOSED_SHARE * frameSide,
    );
    return isSubstantial && outlineShare(candidate, labels, raster) >= MIN_FRAME_OUTLINE_SHARE;
  });
}

/** The groups of ink lying wholly inside the box of the frame, not touching its edges. */
function enclosedBy(frame: Component, components: Component[]): Component[] {
  return components.filter(
    (component) =>
      component !== frame &&
      component.area >= 2 &&
      component.left > frame.left &&
      component.right < frame.right &&
      component.top > frame.top &&
      component.bottom < frame.bottom,
  );
}

/**
 * Share of the group's pixels near the edges of its box, near the ellipse inscribed in its box,
 * or in a row or column it inks over most of the box's length. Only run on a group that encloses
 * another, so its cost (one pass over the box) is paid by framed digits alone.
 */
function outlineShare(component: Component, labels: Int32Array, raster: GreyRaster): number {
  const { left, top, right, bottom, label } = component;
  const boxWidth = right - left + 1;
  const boxHeight = bottom - top + 1;
  const band = max(3, 0.08 * min(boxWidth, boxHeight));
  const columnCounts = new Int32Array(boxWidth);
  const rowCounts = new Int32Array(boxHeight);
  for (let y = top; y <= bottom; y++) {
    for (let x = left; x <= right; x++) {
      if (labels[y * raster.width + x] === label) {
        columnCounts[x - left]++;
        rowCounts[y - top]++;
      }
    }
  }

  const radiusX = boxWidth / 2;
  const radiusY = boxHeight / 2;
  const centreX = left + radiusX - 0.5;
  const centreY = top + radiusY - 0.5;
  const ellipseBand = band / min(radiusX, radiusY);
  let alongOutline = 0;
  let pixelCount = 0;
  for (let y = top; y <= bottom; y++) {
    const isFullRow = rowCounts[y - top] >= 0.7 * boxWidth;
    const nearTopOrBottom = y - top < band || bottom - y < band;
    const offsetY = (y - centreY) / radiusY;
    for (let x = left; x <= right; x++) {
      if (labels[y * raster.width + x] !== label) {
        continue;
      }
      const nearEllipse = abs(hypot((x - centreX) / radiusX, offsetY) - 1) <= ellipseBand;
      const isOutline =
        nearTopOrBottom ||
        x - left < band ||
        right - x < band ||
        isFullRow ||
        columnCounts[x - left] >= 0.7 * boxHeight ||
        nearEllipse;
      alongOutline += isOutline ? 1 : 0;
      pixelCount++;
    }
  }
  return alongOutline / max(1, pixelCount);
}

function dilateMask(mask: Uint8Array, raster: GreyRaster, radius: number): Uint8Array {
  const dilated = extremumFilter({ ...raster, data: Float32Array.from(mask) }, radius, 'max');
  return Uint8Array.from(dilated.data);
}

/** Whether a component can be a digit rather than a speck or what is left of a removed line. */
function isLargeEnough(component: Component, raster: GreyRaster): boolean {
  const side = max(component.right - component.left, component.bottom - component.top) + 1;
  return side >= max(MIN_DIGIT_SIDE, MIN_DIGIT_FRACTION * max(raster.width, raster.height));
}

/** Whether the component reaches across the image (both ways, or `either` way) from its border. */
function spansImage(
  component: Component,
  raster: GreyRaster,
  extent: 'both' | 'either' = 'both',
): boolean {
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
    const isAlongBorder = isBorderGroup(component, raster);
    return (isAlongBorder ? ALONG_BORDER_PENALTY : BORDER_PENALTY) * component.area;
  });
  const reach = 0.3 * max(main.right - main.left + 1, main.bottom - main.top + 1);
  const others = candidates.filter(
    (component) =>
      component !== main &&
      (main.touchesBorder || !component.touchesBorder) &&
      component.area >= MIN_PART_SHARE * main.area &&
      boxGap(component, main) <= reach,
  );
  return [main, ...others];
}

/** A band at one edge of the image, or a group reaching across it: a frame or a paper edge. */
function isBorderGroup(component: Component, raster: GreyRaster): boolean {
  return liesAlongBorder(component, raster) || spansImage(component, raster);
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

function unionBox(components: Component[], width: number, height: number): StrokeBox {
  return {
    left: max(0, min(...components.map((component) => component.left))),
    top: max(0, min(...components.map((component) => component.top))),
    right: min(width, max(...components.map((component) => component.right + 1))),
    bottom: min(height, max(...components.map((component) => component.bottom + 1))),
  };
}

function boxGap(first: Component, second: Component): number {
  const horizontal = max(0, first.left - second.right, second.left - first.right);
  const vertical = max(0, first.top - second.bottom, second.top - first.bottom);
  return max(horizontal, vertical);
}

function maxLabel(labels: Int32Array): number {
  let largest = 0;
  for (let index = 0; index < labels.length; index++) {
    largest = labels[index] > largest ? labels[index] : largest;
  }
  return largest;
}

function maxBy<T>(items: T[], score: (item: T) => number): T {
  return items.reduce((best, item) => (score(item) > score(best) ? item : best));
}
