import { IMAGE_SIZE } from '../network';

/** Names of what `inkShapeFeatures` returns, in order: written into the detector's file. */
export const INK_SHAPE_FEATURES = [
  'ink mass (mean pixel)',
  'share of pixels above half strength',
  'separate pieces of ink',
  'enclosed holes',
] as const;

/** A pixel at least this bright is ink when counting pieces and holes. */
const INK_LEVEL = 0.4;

/**
 * A few plain measurements of a normalised 28x28 digit that the network's features do not
 * spell out: how much ink there is, how solid it is, and how it is connected. A digit has one
 * or two pieces and at most two holes (8); a scribble crossing itself encloses many, a blot is
 * solid ink, speckle comes in many pieces.
 */
export function inkShapeFeatures(image: ArrayLike<number>): number[] {
  const pixelCount = IMAGE_SIZE * IMAGE_SIZE;
  let mass = 0;
  let strong = 0;
  const isInk = new Uint8Array(pixelCount);
  for (let index = 0; index < pixelCount; index += 1) {
    const value = image[index];
    mass += value;
    strong += value > 0.5 ? 1 : 0;
    isInk[index] = value >= INK_LEVEL ? 1 : 0;
  }

  const pieces = countRegions(isInk, 1).regions;
  const holes = countRegions(isInk, 0).enclosed;
  return [mass / pixelCount, strong / pixelCount, pieces, holes];
}

/**
 * Counts the 4-connected regions of pixels whose value is `wanted`, and how many of them do not
 * touch the border and hold at least two pixels (for paper: the holes inside the ink). It runs
 * for every image the service reads, hence the flat stack and the neighbours written out.
 */
function countRegions(mask: Uint8Array, wanted: number): { regions: number; enclosed: number } {
  const side = IMAGE_SIZE;
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let regions = 0;
  let enclosed = 0;
  for (let start = 0; start < mask.length; start += 1) {
    if (mask[start] !== wanted || seen[start]) continue;

    regions += 1;
    let area = 0;
    let touchesBorder = false;
    let top = 0;
    seen[start] = 1;
    stack[top++] = start;
    while (top > 0) {
      const index = stack[--top];
      area += 1;
      const x = index % side;
      const y = (index - x) / side;
      if (x === 0 || y === 0 || x === side - 1 || y === side - 1) touchesBorder = true;
      if (x > 0 && mask[index - 1] === wanted && !seen[index - 1]) {
        seen[index - 1] = 1;
        stack[top++] = index - 1;
      }
      if (x < side - 1 && mask[index + 1] === wanted && !seen[index + 1]) {
        seen[index + 1] = 1;
        stack[top++] = index + 1;
      }
      if (y > 0 && mask[index - side] === wanted && !seen[index - side]) {
        seen[index - side] = 1;
        stack[top++] = index - side;
      }
      if (y < side - 1 && mask[index + side] === wanted && !seen[index + side]) {
        seen[index + side] = 1;
        stack[top++] = index + side;
      }
    }
    if (!touchesBorder && area >= 2) enclosed += 1;
  }
  return { regions, enclosed };
}
