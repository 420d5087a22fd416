import { fitIntoDigitFrame } from '../../imaging/digit-frame';
import { SeededRandom } from './seeded-random';

/** Working canvas the shapes are drawn on before being framed like an upload. */
const CANVAS = 64;
/** Ink weaker than this is paper when finding the shape's box. */
const INK_FLOOR = 0.05;

type Point = [number, number];

/**
 * A random 28x28 image that is no digit, framed exactly as the upload normaliser frames ink
 * (`fitIntoDigitFrame`: longest side 20 px, centred by mass). Training shows the network these
 * with a uniform target ("outlier exposure"), so that its confidence drops on tangles, blots
 * and patterns instead of landing on whichever digit they happen to resemble.
 *
 * Deliberately not the generator of the evaluation's non-digits
 * (libs/digit-reading/non-digit-samples.ts): other shapes, drawn another way, and no letters,
 * so that the evaluation measures what the model learnt rather than what it was shown.
 */
export function generateNonDigit(random: SeededRandom): Float32Array {
  const canvas = new Float32Array(CANVAS * CANVAS);
  const family = random.integer(4);

  let penWidth: number;
  if (family === 0) {
    penWidth = drawTangle(canvas, random);
  } else if (family === 1) {
    penWidth = fillBlob(canvas, random);
  } else if (family === 2) {
    penWidth = drawParallelLines(canvas, random);
  } else {
    penWidth = drawSpeckles(canvas, random);
  }

  const strength = { data: canvas, width: CANVAS, height: CANVAS };
  return fitIntoDigitFrame({ strength, box: inkBox(canvas), strokeWidth: penWidth });
}

/** A pen wandering with sharp turns for a long way: it crosses itself many times. */
function drawTangle(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 3.5);
  const points: Point[] = [[random.uniform(16, 48), random.uniform(16, 48)]];
  let heading = random.uniform(0, 2 * Math.PI);
  const steps = 14 + random.integer(16);
  for (let step = 0; step < steps; step += 1) {
    heading += random.uniform(-2.2, 2.2);
    const [x, y] = points[points.length - 1];
    const length = random.uniform(8, 22);
    points.push([reflect(x + Math.cos(heading) * length), reflect(y + Math.sin(heading) * length)]);
  }
  drawPolyline(canvas, points, width);
  return width;
}

/** A solid ellipse or regular polygon: a blot, a stamp, a shape filled in. */
function fillBlob(canvas: Float32Array, random: SeededRandom): number {
  const [centreX, centreY] = [random.uniform(24, 40), random.uniform(24, 40)];
  const [radiusX, radiusY] = [random.uniform(8, 22), random.uniform(8, 22)];
  const angle = random.uniform(0, Math.PI);
  const corners = random.chance(0.5) ? 0 : 3 + random.integer(4);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];

  for (let y = 0; y < CANVAS; y += 1) {
    for (let x = 0; x < CANVAS; x += 1) {
      const u = ((x - centreX) * cos + (y - centreY) * sin) / radiusX;
      const v = (-(x - centreX) * sin + (y - centreY) * cos) / radiusY;
      const inside = polygonReach(Math.atan2(v, u), corners) - Math.hypot(u, v);
      canvas[y * CANVAS + x] = clampUnit(inside * Math.min(radiusX, radiusY) + 0.5);
    }
  }
  return 2 * Math.min(radiusX, radiusY);
}

/** Distance from the centre to the edge of a unit polygon (0 corners: a circle) at an angle. */
function polygonReach(direction: number, corners: number): number {
  if (corners === 0) return 1;
  const sector = (2 * Math.PI) / corners;
  const withinSector = (((direction % sector) + sector) % sector) - sector / 2;
  return Math.cos(sector / 2) / Math.cos(withinSector);
}

/** Ruled or hatched lines at one angle, sometimes crossed by a second set. */
function drawParallelLines(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 3);
  const sets = random.chance(0.4) ? 2 : 1;
  const half = random.uniform(14, 26);
  for (let set = 0; set < sets; set += 1) {
    const angle = random.uniform(0, Math.PI);
    const spacing = random.uniform(6, 12);
    const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
    for (let offset = -half; offset <= half; offset += spacing) {
      const [cx, cy] = [CANVAS / 2 - dy * offset, CANVAS / 2 + dx * offset];
      drawPolyline(
        canvas,
        [
          [cx - dx * half, cy - dy * half],
          [cx + dx * half, cy + dy * half],
        ],
        width,
      );
    }
  }
  return width;
}

/** Dots and short dashes scattered about, like dirt or a pen being tried. */
function drawSpeckles(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(2, 5);
  const count = 6 + random.integer(14);
  for (let index = 0; index < count; index += 1) {
    const start: Point = [random.uniform(8, 56), random.uniform(8, 56)];
    const heading = random.uniform(0, 2 * Math.PI);
    const length = random.uniform(0, 6);
    const end: Point = [
      start[0] + Math.cos(heading) * length,
      start[1] + Math.sin(heading) * length,
    ];
    drawPolyline(canvas, [start, end], width);
  }
  return width;
}

/** Anti-aliased strokes `width` pixels wide: ink falls off over one pixel at the pen's edge. */
function drawPolyline(canvas: Float32Array, points: Point[], width: number): void {
  const radius = width / 2;
  for (let segment = 1; segment < points.length; segment += 1) {
    const [[x0, y0], [x1, y1]] = [points[segment - 1], points[segment]];
    const left = Math.max(0, Math.floor(Math.min(x0, x1) - radius - 1));
    const right = Math.min(CANVAS - 1, Math.ceil(Math.max(x0, x1) + radius + 1));
    const top = Math.max(0, Math.floor(Math.min(y0, y1) - radius - 1));
    const bottom = Math.min(CANVAS - 1, Math.ceil(Math.max(y0, y1) + radius + 1));
    const [dx, dy] = [x1 - x0, y1 - y0];
    const lengthSquared = dx * dx + dy * dy;

    for (let y = top; y <= bottom; y += 1) {
      for (let x = left; x <= right; x += 1) {
        const along =
          lengthSquared === 0
            ? 0
            : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / lengthSquared));
        const distance = Math.hypot(x - (x0 + along * dx), y - (y0 + along * dy));
        const index = y * CANVAS + x;
        canvas[index] = Math.max(canvas[index], clampUnit(radius + 0.5 - distance));
      }
    }
  }
}

/** The box around all ink, right and bottom exclusive; the whole canvas if there is none. */
function inkBox(canvas: Float32Array): {
  left: number;
  top: number;
  right: number;
  bottom: number;
} {
  let [left, top, right, bottom] = [CANVAS, CANVAS, 0, 0];
  for (let y = 0; y < CANVAS; y += 1) {
    for (let x = 0; x < CANVAS; x += 1) {
      if (canvas[y * CANVAS + x] <= INK_FLOOR) continue;
      left = Math.min(left, x);
      top = Math.min(top, y);
      right = Math.max(right, x + 1);
      bottom = Math.max(bottom, y + 1);
    }
  }
  return right > left
    ? { left, top, right, bottom }
    : { left: 0, top: 0, right: CANVAS, bottom: CANVAS };
}

/** Keeps a wandering pen on the canvas by bouncing it off the edges. */
function reflect(value: number): number {
  const [low, high] = [6, CANVAS - 6];
  if (value < low) return 2 * low - value;
  if (value > high) return 2 * high - value;
  return value;
}

function clampUnit(value: number): number {
  return Math.max(0, Math.min(1, value));
}
