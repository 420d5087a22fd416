import { fitIntoDigitFrame } from '../../imaging/digit-frame';
import { SeededRandom } from './seeded-random';

/** Working canvas the shapes are drawn on before being framed like an upload. */
const CANVAS = 64;
/** Ink weaker than this is paper when finding the shape's box. */
const INK_FLOOR = 0.05;

type Point = [number, number];

/** One way of drawing something that is no digit; returns the pen width it used. */
export type NonDigitFamily = (canvas: Float32Array, random: SeededRandom) => number;

/**
 * What the classifier is trained with. The order matters: the family is drawn from the seeded
 * stream by its index, so changing this list changes the trained weights.
 */
export const CLASSIFIER_NON_DIGIT_FAMILIES: readonly NonDigitFamily[] = [
  drawTangle,
  fillBlob,
  drawParallelLines,
  drawSpeckles,
];

/**
 * What the non-digit detector is fitted with: the classifier's families and rounder loops. A
 * scribble made of smooth loops is what the classifier, trained only on sharp tangles, still
 * took for a 0; the detector sees such loops, the classifier's training (and so its committed
 * weights) does not change.
 */
export const DETECTOR_NON_DIGIT_FAMILIES: readonly NonDigitFamily[] = [
  ...CLASSIFIER_NON_DIGIT_FAMILIES,
  drawLoops,
  drawCrossingStrokes,
  drawOutline,
  drawArrow,
];

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
export function generateNonDigit(
  random: SeededRandom,
  families: readonly NonDigitFamily[] = CLASSIFIER_NON_DIGIT_FAMILIES,
): Float32Array {
  const canvas = new Float32Array(CANVAS * CANVAS);
  const draw = families[random.integer(families.length)];
  const penWidth = draw(canvas, random);

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
      drawLineAcross(canvas, [dx, dy], offset, half, width);
    }
  }
  return width;
}

/**
 * A straight line along the unit `direction`, `offset` to its side of the canvas centre,
 * reaching `half` each way.
 */
function drawLineAcross(
  canvas: Float32Array,
  [dx, dy]: Point,
  offset: number,
  half: number,
  width: number,
): void {
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

/**
 * Smooth loops, as when a pen circles to cross something out: a wandering pen that turns
 * steadily, a spiral of several turns, or a chain of loops like a row of cursive e's. All cross
 * or enclose more than any digit does, yet have no sharp corner.
 */
function drawLoops(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 3.5);
  const kind = random.integer(3);
  const points =
    kind === 0 ? wanderSmoothly(random) : kind === 1 ? spiral(random) : loopChain(random);
  drawPolyline(canvas, points, width);
  return width;
}

function wanderSmoothly(random: SeededRandom): Point[] {
  let [x, y] = [random.uniform(20, 44), random.uniform(20, 44)];
  let heading = random.uniform(0, 2 * Math.PI);
  let turn = random.uniform(-0.4, 0.4);
  const points: Point[] = [];
  const steps = 120 + random.integer(200);
  for (let step = 0; step < steps; step += 1) {
    // The turn itself drifts, so the pen draws loops of changing size.
    turn = Math.max(-0.5, Math.min(0.5, turn + random.uniform(-0.08, 0.08)));
    heading += turn;
    x += Math.cos(heading) * 1.2;
    y += Math.sin(heading) * 1.2;
    if (x < 6 || x > CANVAS - 6) {
      heading = Math.PI - heading;
      x = Math.max(6, Math.min(CANVAS - 6, x));
    }
    if (y < 6 || y > CANVAS - 6) {
      heading = -heading;
      y = Math.max(6, Math.min(CANVAS - 6, y));
    }
    points.push([x, y]);
  }
  return points;
}

function spiral(random: SeededRandom): Point[] {
  const turns = random.uniform(2.5, 5.5);
  const [innerRadius, outerRadius] = [random.uniform(1, 6), random.uniform(14, 26)];
  const phase = random.uniform(0, 2 * Math.PI);
  const flattening = random.uniform(0.6, 1);
  const steps = Math.round(turns * 40);
  const points: Point[] = [];
  for (let step = 0; step <= steps; step += 1) {
    const along = step / steps;
    const angle = phase + along * turns * 2 * Math.PI;
    const radius = innerRadius + (outerRadius - innerRadius) * along;
    points.push([
      CANVAS / 2 + radius * Math.cos(angle),
      CANVAS / 2 + flattening * radius * Math.sin(angle),
    ]);
  }
  return points;
}

function loopChain(random: SeededRandom): Point[] {
  const loops = 3 + random.integer(5);
  const radius = random.uniform(4, 10);
  const span = random.uniform(30, 50);
  const angle = random.uniform(0, 2 * Math.PI);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const steps = loops * 40;
  const points: Point[] = [];
  for (let step = 0; step <= steps; step += 1) {
    const along = step / steps;
    const turn = along * loops * 2 * Math.PI;
    const u = -span / 2 + span * along + radius * Math.cos(turn);
    const v = 1.3 * radius * Math.sin(turn);
    points.push([CANVAS / 2 + u * cos - v * sin, CANVAS / 2 + u * sin + v * cos]);
  }
  return points;
}

/** Strokes crossing near the middle, as in +, x, * and #: marks, not digits. */
function drawCrossingStrokes(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 4);
  const isHash = random.chance(0.3);
  const strokes = isHash ? 2 : 2 + random.integer(3);
  const turn = random.uniform(0, Math.PI);
  for (let index = 0; index < strokes; index += 1) {
    const angle = turn + (index * Math.PI) / strokes + random.uniform(-0.15, 0.15);
    const half = random.uniform(14, 24);
    const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
    // A hash draws each direction twice, side by side.
    const offsets = isHash ? [-random.uniform(5, 9), random.uniform(5, 9)] : [0];
    for (const offset of offsets) {
      drawLineAcross(canvas, [dx, dy], offset, half, width);
    }
  }
  return width;
}

/**
 * The outline of a triangle, a box or a star, not a filled one. No polygon of five or more
 * corners: framed at 20 px it is an oval, and an oval is a 0.
 */
function drawOutline(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 4);
  const isStar = random.chance(0.3);
  const corners = isStar ? 5 + random.integer(2) : 3 + random.integer(2);
  const [radiusX, radiusY] = [random.uniform(14, 24), random.uniform(14, 24)];
  const turn = random.uniform(0, 2 * Math.PI);
  const points: Point[] = [];
  const vertices = isStar ? 2 * corners : corners;
  for (let vertex = 0; vertex < vertices; vertex += 1) {
    const angle = turn + (vertex * 2 * Math.PI) / vertices;
    const reach = isStar && vertex % 2 === 1 ? random.uniform(0.35, 0.5) : 1;
    points.push([
      CANVAS / 2 + reach * radiusX * Math.cos(angle),
      CANVAS / 2 + reach * radiusY * Math.sin(angle),
    ]);
  }
  points.push(points[0]);
  drawPolyline(canvas, points, width);
  return width;
}

/** A straight or bent shaft with an arrowhead. */
function drawArrow(canvas: Float32Array, random: SeededRandom): number {
  const width = random.uniform(1.5, 4);
  const angle = random.uniform(0, 2 * Math.PI);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const half = random.uniform(16, 26);
  const tail: Point = [CANVAS / 2 - dx * half, CANVAS / 2 - dy * half];
  const tip: Point = [CANVAS / 2 + dx * half, CANVAS / 2 + dy * half];
  const bend = random.chance(0.3) ? random.uniform(-10, 10) : 0;
  const middle: Point = [CANVAS / 2 - dy * bend, CANVAS / 2 + dx * bend];
  drawPolyline(canvas, [tail, middle, tip], width);

  const barb = random.uniform(6, 12);
  const spread = random.uniform(0.4, 0.8);
  for (const side of [-1, 1]) {
    const back = angle + Math.PI + side * spread;
    drawPolyline(
      canvas,
      [tip, [tip[0] + Math.cos(back) * barb, tip[1] + Math.sin(back) * barb]],
      width,
    );
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
