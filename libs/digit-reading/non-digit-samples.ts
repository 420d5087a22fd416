import { encodeGreyPng } from '../imaging/grey-png';

/** A generated upload that holds no digit, with the kind of thing it is. */
export interface NonDigitSample {
  name: string;
  kind: 'empty' | 'solid shape' | 'scribble' | 'pattern' | 'noise' | 'letter';
  png: Buffer;
}

const CANVAS = 160;
const PAPER = 245;
const INK = 20;

type Point = [number, number];

/**
 * Uploads that are not a digit, drawn the same way every time (seeded): empty pages, solid
 * shapes, scribbles, ruled patterns and letters no digit resembles. The evaluation reads them
 * through the whole upload path to count how many the service admits it cannot read.
 */
export function nonDigitSamples(seed = 20261204): NonDigitSample[] {
  const random = seededRandom(seed);
  const samples: NonDigitSample[] = [
    draw('blank page', 'empty', () => undefined),
    draw('paper grain', 'empty', (canvas) => grain(canvas, random, 6)),
    draw('filled square', 'solid shape', (canvas) => fillPolygon(canvas, square(40, 40, 80))),
    draw('filled disc', 'solid shape', (canvas) => fillDisc(canvas, [80, 80], 45)),
    draw('filled bar', 'solid shape', (canvas) => fillPolygon(canvas, square(30, 65, 100, 30))),
    draw('dot', 'solid shape', (canvas) => fillDisc(canvas, [70, 90], 4)),
    draw('ink noise', 'noise', (canvas) => inkNoise(canvas, random, 0.5)),
    draw('sparse ink noise', 'noise', (canvas) => inkNoise(canvas, random, 0.08)),
    draw('hatching', 'pattern', (canvas) => {
      for (let offset = -120; offset <= 120; offset += 16) {
        stroke(
          canvas,
          [
            [20 + offset, 140],
            [140 + offset, 20],
          ],
          4,
        );
      }
    }),
    draw('grid', 'pattern', (canvas) => {
      for (let position = 20; position <= 140; position += 24) {
        stroke(
          canvas,
          [
            [20, position],
            [140, position],
          ],
          3,
        );
        stroke(
          canvas,
          [
            [position, 20],
            [position, 140],
          ],
          3,
        );
      }
    }),
    draw('asterisk', 'pattern', (canvas) => {
      for (let spoke = 0; spoke < 4; spoke += 1) {
        const angle = (spoke * Math.PI) / 4;
        const [dx, dy] = [Math.cos(angle) * 55, Math.sin(angle) * 55];
        stroke(
          canvas,
          [
            [80 - dx, 80 - dy],
            [80 + dx, 80 + dy],
          ],
          8,
        );
      }
    }),
    ...letters(),
  ];

  for (let index = 1; index <= 8; index += 1) {
    samples.push(draw(`scribble ${index}`, 'scribble', (canvas) => scribble(canvas, random)));
  }
  return samples;
}

function letters(): NonDigitSample[] {
  const shapes: Record<string, Point[][]> = {
    A: [
      [
        [40, 140],
        [80, 25],
        [120, 140],
      ],
      [
        [55, 100],
        [105, 100],
      ],
    ],
    H: [
      [
        [45, 25],
        [45, 140],
      ],
      [
        [115, 25],
        [115, 140],
      ],
      [
        [45, 82],
        [115, 82],
      ],
    ],
    K: [
      [
        [50, 25],
        [50, 140],
      ],
      [
        [115, 25],
        [50, 90],
      ],
      [
        [70, 75],
        [120, 140],
      ],
    ],
    M: [
      [
        [35, 140],
        [45, 25],
        [80, 100],
        [115, 25],
        [125, 140],
      ],
    ],
    W: [
      [
        [30, 25],
        [55, 140],
        [80, 60],
        [105, 140],
        [130, 25],
      ],
    ],
    X: [
      [
        [40, 25],
        [120, 140],
      ],
      [
        [120, 25],
        [40, 140],
      ],
    ],
    E: [
      [
        [110, 25],
        [50, 25],
        [50, 140],
        [110, 140],
      ],
      [
        [50, 82],
        [100, 82],
      ],
    ],
  };
  return Object.entries(shapes).map(([letter, strokes]) =>
    draw(`letter ${letter}`, 'letter', (canvas) =>
      strokes.forEach((line) => stroke(canvas, line, 9)),
    ),
  );
}

function draw(
  name: string,
  kind: NonDigitSample['kind'],
  paint: (canvas: Uint8Array) => void,
): NonDigitSample {
  const canvas = new Uint8Array(CANVAS * CANVAS).fill(PAPER);
  paint(canvas);
  return { name, kind, png: encodeGreyPng(canvas, CANVAS, CANVAS) };
}

/** A pen stroke through the points, `width` pixels wide, with round ends. */
function stroke(canvas: Uint8Array, points: Point[], width: number): void {
  const radius = width / 2;
  for (let segment = 1; segment < points.length; segment += 1) {
    const [[x0, y0], [x1, y1]] = [points[segment - 1], points[segment]];
    const left = Math.max(0, Math.floor(Math.min(x0, x1) - radius));
    const right = Math.min(CANVAS - 1, Math.ceil(Math.max(x0, x1) + radius));
    const top = Math.max(0, Math.floor(Math.min(y0, y1) - radius));
    const bottom = Math.min(CANVAS - 1, Math.ceil(Math.max(y0, y1) + radius));
    for (let y = top; y <= bottom; y += 1) {
      for (let x = left; x <= right; x += 1) {
        if (distanceToSegment(x, y, x0, y0, x1, y1) <= radius) canvas[y * CANVAS + x] = INK;
      }
    }
  }
}

function distanceToSegment(
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  const [dx, dy] = [x1 - x0, y1 - y0];
  const lengthSquared = dx * dx + dy * dy;
  const along =
    lengthSquared === 0
      ? 0
      : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / lengthSquared));
  return Math.hypot(x - (x0 + along * dx), y - (y0 + along * dy));
}

function square(left: number, top: number, width: number, height = width): Point[] {
  return [
    [left, top],
    [left + width, top],
    [left + width, top + height],
    [left, top + height],
  ];
}

/** Fills an axis-aligned rectangle given as its four corners. */
function fillPolygon(canvas: Uint8Array, corners: Point[]): void {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  for (let y = Math.min(...ys); y < Math.max(...ys); y += 1) {
    canvas.fill(INK, y * CANVAS + Math.min(...xs), y * CANVAS + Math.max(...xs));
  }
}

function fillDisc(canvas: Uint8Array, [centreX, centreY]: Point, radius: number): void {
  for (let y = 0; y < CANVAS; y += 1) {
    for (let x = 0; x < CANVAS; x += 1) {
      if (Math.hypot(x - centreX, y - centreY) <= radius) canvas[y * CANVAS + x] = INK;
    }
  }
}

/**
 * A tangle of loops, as when something is scratched out: a sum of two random sinusoids in each
 * direction, crossing itself far more often than any digit does.
 */
function scribble(canvas: Uint8Array, random: () => number): void {
  const [fx1, fx2, fy1, fy2] = [0, 0, 0, 0].map(() => 1.5 + random() * 3);
  const [px1, px2, py1, py2] = [0, 0, 0, 0].map(() => random() * 2 * Math.PI);
  const points: Point[] = [];
  for (let step = 0; step <= 160; step += 1) {
    const t = (step / 160) * 2 * Math.PI;
    points.push([
      80 + 40 * Math.sin(fx1 * t + px1) + 15 * Math.sin(fx2 * t + px2),
      80 + 40 * Math.sin(fy1 * t + py1) + 15 * Math.sin(fy2 * t + py2),
    ]);
  }
  stroke(canvas, points, 4 + random() * 4);
}

/** Pixels of ink scattered at random over the whole page, `density` of them. */
function inkNoise(canvas: Uint8Array, random: () => number, density: number): void {
  for (let index = 0; index < canvas.length; index += 1) {
    if (random() < density) canvas[index] = INK;
  }
}

/** Faint mottling of the paper, nowhere near ink. */
function grain(canvas: Uint8Array, random: () => number, amplitude: number): void {
  for (let index = 0; index < canvas.length; index += 1) {
    canvas[index] = Math.round(PAPER - random() * amplitude);
  }
}

/** Park–Miller: tiny, seeded and the same on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}
