// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { ceil, floor, max, min } = Math;

const PERCENTILE_BINS = 4096;

/** A single-channel image of floating-point values, rows top to bottom. */
export interface GreyRaster {
  data: Float32Array;
  width: number;
  height: number;
}

/** A group of touching pixels (8-connected) in a mask. */
export interface Component {
  label: number;
  area: number;
  left: number;
  top: number;
  right: number;
  bottom: number;
  touchesBorder: boolean;
}

export function createRaster(width: number, height: number): GreyRaster {
  return { data: new Float32Array(width * height), width, height };
}

/**
 * Grey-level erosion (`min`) or dilation (`max`) over a square window of side 2·radius+1, or
 * over a line of that length along `rows` or `columns` only.
 */
export function extremumFilter(
  raster: GreyRaster,
  radius: number,
  kind: 'min' | 'max',
  axes: 'both' | 'rows' | 'columns' = 'both',
): GreyRaster {
  const isMaximum = kind === 'max';
  const alongRows = axes === 'columns' ? raster : extremumLines(raster, radius, true, isMaximum);
  return axes === 'rows' ? alongRows : extremumLines(alongRows, radius, false, isMaximum);
}

/** Mean over a square window of side 2·radius+1; the window shrinks at the edges. */
export function boxBlur(raster: GreyRaster, radius: number): GreyRaster {
  const horizontal = blurLines(raster, radius, true);
  return blurLines(horizontal, radius, false);
}

/** Value below which `fraction` (0..1) of the values lie. */
export function percentile(values: Float32Array, fraction: number): number {
  return percentiles(values, [fraction])[0];
}

/**
 * Several percentiles at once, as the centre of the bin of a fine histogram that holds them:
 * exact to within 1/4096 of the value range, and linear in the number of values.
 */
export function percentiles(values: Float32Array, fractions: number[]): number[] {
  if (values.length === 0) {
    return fractions.map(() => 0);
  }

  let lowest = Infinity;
  let highest = -Infinity;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    lowest = value < lowest ? value : lowest;
    highest = value > highest ? value : highest;
  }
  const bins = PERCENTILE_BINS;
  const binWidth = (highest - lowest) / bins || 1;
  const binOf = (value: number) => min(bins - 1, floor((value - lowest) / binWidth));
  const ranks = fractions.map((fraction) =>
    min(values.length - 1, max(0, floor(fraction * values.length))),
  );

  // The bin holding the value of a rank is the bin the histogram reaches at that rank (bins
  // grow with the value); for fewer values than bins, selecting that value is the cheaper way.
  const rankBins =
    values.length <= bins
      ? selectedBins(values, ranks, binOf)
      : histogramBins(values, ranks, binOf);
  return rankBins.map((bin) => lowest + (bin + 0.5) * binWidth);
}

function histogramBins(
  values: Float32Array,
  ranks: number[],
  binOf: (value: number) => number,
): number[] {
  const histogram = new Uint32Array(PERCENTILE_BINS);
  for (let index = 0; index < values.length; index++) {
    histogram[binOf(values[index])]++;
  }

  return ranks.map((rank) => {
    let seen = 0;
    for (let bin = 0; bin < PERCENTILE_BINS; bin++) {
      seen += histogram[bin];
      if (seen > rank) {
        return bin;
      }
    }
    return PERCENTILE_BINS - 1;
  });
}

function selectedBins(
  values: Float32Array,
  ranks: number[],
  binOf: (value: number) => number,
): number[] {
  const scratch = values.slice();
  return ranks.map((rank) => binOf(selectRank(scratch, rank)));
}

/** The value of rank `rank` (0 = smallest), partly reordering `values` (quickselect). */
function selectRank(values: Float32Array, rank: number): number {
  let left = 0;
  let right = values.length - 1;
  while (right > left) {
    const pivot = medianOfThree(values[left], values[(left + right) >> 1], values[right]);
    let low = left;
    let high = right;
    while (low <= high) {
      while (values[low] < pivot) low++;
      while (values[high] > pivot) high--;
      if (low <= high) {
        const swapped = values[low];
        values[low++] = values[high];
        values[high--] = swapped;
      }
    }
    // Now values[left..high] <= pivot <= values[low..right], and those between equal the pivot.
    if (rank <= high) {
      right = high;
    } else if (rank >= low) {
      left = low;
    } else {
      return pivot;
    }
  }
  return values[rank];
}

function medianOfThree(a: number, b: number, c: number): number {
  return max(min(a, b), min(max(a, b), c));
}

/** Otsu's threshold: the level that best separates the values into two classes. */
export function otsuThreshold(values: Float32Array, maximum: number, bins = 256): number {
  const histogram = new Float64Array(bins);
  const binWidth = maximum / bins || 1;
  for (const value of values) {
    histogram[min(bins - 1, max(0, floor(value / binWidth)))]++;
  }

  let total = 0;
  let weightedTotal = 0;
  for (let bin = 0; bin < bins; bin++) {
    total += histogram[bin];
    weightedTotal += bin * histogram[bin];
  }

  let bestBin = 0;
  let bestVariance = -1;
  let backgroundCount = 0;
  let backgroundSum = 0;
  for (let bin = 0; bin < bins - 1; bin++) {
    backgroundCount += histogram[bin];
    backgroundSum += bin * histogram[bin];
    const foregroundCount = total - backgroundCount;
    if (backgroundCount === 0 || foregroundCount === 0) {
      continue;
    }
    const meanDifference =
      backgroundSum / backgroundCount - (weightedTotal - backgroundSum) / foregroundCount;
    const variance = backgroundCount * foregroundCount * meanDifference * meanDifference;
    if (variance > bestVariance) {
      bestVariance = variance;
      bestBin = bin;
    }
  }
  return (bestBin + 1) * binWidth;
}

/** Labels the 8-connected components of `mask` (non-zero = set); labels start at 1. */
export function labelComponents(
  mask: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) {
      continue;
    }

    const component = floodFill(mask, labels, stack, start, components.length + 1, width, height);
    components.push(component);
  }
  return { labels, components };
}

/**
 * Resizes with area averaging when shrinking (every source pixel counts in proportion to its
 * overlap, so thin strokes fade instead of vanishing) and linear interpolation when enlarging.
 */
export function resample(raster: GreyRaster, width: number, height: number): GreyRaster {
  if (width === raster.width && height === raster.height) {
    // Every target pixel would take its one source pixel with weight 1: a copy.
    return { data: raster.data.slice(), width, height };
  }

  const horizontal = resampleLines(raster, width, true);
  return resampleLines(horizontal, height, false);
}

/** The largest of `values`; -Infinity when there are none. */
export function maximumValue(values: Float32Array): number {
  let maximum = -Infinity;
  for (const value of values) {
    maximum = value > maximum ? value : maximum;
  }
  return maximum;
}

/** Copies the rectangle [left, right) × [top, bottom). */
export function crop(
  raster: GreyRaster,
  left: number,
  top: number,
  right: number,
  bottom: number,
): GreyRaster {
  const result = createRaster(right - left, bottom - top);
  for (let y = top; y < bottom; y++) {
    const row = raster.data.subarray(y * raster.width + left, y * raster.width + right);
    result.data.set(row, (y - top) * result.width);
  }
  return result;
}

function floodFill(
  mask: Uint8Array,
  labels: Int32Array,
  stack: Int32Array,
  start: number,
  label: number,
  width: number,
  height: number,
): Component {
  const component: Component = {
    label,
    area: 0,
    left: width,
    top: height,
    right: -1,
    bottom: -1,
    touchesBorder: false,
  };
  let stackSize = 0;
  stack[stackSize++] = start;
  labels[start] = label;
  while (stackSize > 0) {
    const index = stack[--stackSize];
    const x = index % width;
    const y = (index - x) / width;
    component.area++;
    component.left = min(component.left, x);
    component.right = max(component.right, x);
    component.top = min(component.top, y);
    component.bottom = max(component.bottom, y);
    if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
      component.touchesBorder = true;
    }

    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) {
          continue;
        }
        const neighbour = ny * width + nx;
        if (mask[neighbour] && !labels[neighbour]) {
          labels[neighbour] = label;
          stack[stackSize++] = neighbour;
        }
      }
    }
  }
  return component;
}

/**
 * Sliding-window maximum (or minimum) along rows or columns, with a monotonic queue: O(n). The
 * queue keeps, in window order, the positions whose value no later value beats.
 */
function extremumLines(
  raster: GreyRaster,
  radius: number,
  isHorizontal: boolean,
  isMaximum: boolean,
): GreyRaster {
  const { width, height, data } = raster;
  const result = createRaster(width, height);
  const output = result.data;
  const length = isHorizontal ? width : height;
  const lines = isHorizontal ? height : width;
  const step = isHorizontal ? 1 : width;
  const queue = new Int32Array(length);
  for (let line = 0; line < lines; line++) {
    const base = isHorizontal ? line * width : line;
    let head = 0;
    let tail = 0;
    let next = 0;
    for (let position = 0; position < length; position++) {
      const windowEnd = min(length - 1, position + radius);
      while (next <= windowEnd) {
        const value = data[base + next * step];
        while (tail > head) {
          const last = data[base + queue[tail - 1] * step];
          if (isMaximum ? value < last : value > last) {
            break;
          }
          tail--;
        }
        queue[tail++] = next++;
      }
      while (queue[head] < position - radius) {
        head++;
      }
      output[base + position * step] = data[base + queue[head] * step];
    }
  }
  return result;
}

function blurLines(raster: GreyRaster, radius: number, isHorizontal: boolean): GreyRaster {
  const { width, height } = raster;
  const result = createRaster(width, height);
  const length = isHorizontal ? width : height;
  const lines = isHorizontal ? height : width;
  const step = isHorizontal ? 1 : width;
  const prefix = new Float64Array(length + 1);
  for (let line = 0; line < lines; line++) {
    const base = isHorizontal ? line * width : line;
    for (let position = 0; position < length; position++) {
      prefix[position + 1] = prefix[position] + raster.data[base + position * step];
    }
    for (let position = 0; position < length; position++) {
      const from = max(0, position - radius);
      const to = min(length, position + radius + 1);
      result.data[base + position * step] = (prefix[to] - prefix[from]) / (to - from);
    }
  }
  return result;
}

function resampleLines(
  raster: GreyRaster,
  targetLength: number,
  isHorizontal: boolean,
): GreyRaster {
  const sourceLength = isHorizontal ? raster.width : raster.height;
  const width = isHorizontal ? targetLength : raster.width;
  const height = isHorizontal ? raster.height : targetLength;
  const result = createRaster(width, height);
  const { starts, sources, weights } = resamplingWeights(sourceLength, targetLength);
  const input = raster.data;
  const output = result.data;
  const lines = isHorizontal ? raster.height : raster.width;
  const sourceStep = isHorizontal ? 1 : raster.width;
  const targetStep = isHorizontal ? 1 : width;
  for (let line = 0; line < lines; line++) {
    const sourceBase = isHorizontal ? line * raster.width : line;
    const targetBase = isHorizontal ? line * width : line;
    for (let target = 0; target < targetLength; target++) {
      let sum = 0;
      for (let tap = starts[target]; tap < starts[target + 1]; tap++) {
        sum += input[sourceBase + sources[tap] * sourceStep] * weights[tap];
      }
      output[targetBase + target * targetStep] = sum;
    }
  }
  return result;
}

/** The taps of every target pixel, in flat arrays, which keeps the inner loop fast. */
interface ResamplingWeights {
  /** Target pixel `t` draws from taps `starts[t]` to `starts[t + 1]` (exclusive). */
  starts: Int32Array;
  sources: Int32Array;
  /** Weights of a target pixel's taps sum to 1. */
  weights: Float32Array;
}

/** For each target pixel, the source pixels it draws from and their weights. */
function resamplingWeights(sourceLength: number, targetLength: number): ResamplingWeights {
  const scale = sourceLength / targetLength;
  // Shrinking, a target pixel overlaps at most ceil(scale) + 1 source pixels (one more for
  // rounding); enlarging, two.
  const maxTaps = targetLength * (scale >= 1 ? ceil(scale) + 2 : 2);
  const starts = new Int32Array(targetLength + 1);
  const sources = new Int32Array(maxTaps);
  const weights = new Float32Array(maxTaps);
  let tapCount = 0;
  const addTap = (source: number, weight: number) => {
    sources[tapCount] = source;
    weights[tapCount] = weight;
    tapCount++;
  };

  for (let target = 0; target < targetLength; target++) {
    if (scale >= 1) {
      const from = target * scale;
      const to = from + scale;
      for (let source = floor(from); source < min(sourceLength, ceil(to)); source++) {
        const overlap = min(to, source + 1) - max(from, source);
        if (overlap > 0) {
          addTap(source, overlap / scale);
        }
      }
    } else {
      const centre = min(sourceLength - 1, max(0, (target + 0.5) * scale - 0.5));
      const left = floor(centre);
      const right = min(sourceLength - 1, left + 1);
      const fraction = centre - left;
      if (right === left) {
        addTap(left, 1);
      } else {
        addTap(left, 1 - fraction);
        addTap(right, fraction);
      }
    }
    starts[target + 1] = tapCount;
  }
  return { starts, sources, weights };
}
