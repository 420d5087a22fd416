import sharp from 'sharp';

import { encodeGreyPng } from '../../libs/imaging/grey-png';
import type { UploadFile } from './lensq-client';

let count = 0;

/** A 28x28 grey PNG of a bar (1) or a ring (0), built by hand so tests need no image library. */
export function syntheticDigitPng(shape: 0 | 1): UploadFile {
  const pixels = Buffer.alloc(28 * 28);
  for (let y = 0; y < 28; y += 1) {
    for (let x = 0; x < 28; x += 1) {
      const isInk =
        shape === 1
          ? x >= 13 && x <= 15 && y >= 4 && y <= 23
          : Math.abs(Math.hypot((x - 14) / 6, (y - 14) / 9) - 1) < 0.2;
      pixels[y * 28 + x] = isInk ? 255 : 0;
    }
  }
  return {
    name: `synthetic-${count++}.png`,
    bytes: encodeGreyPng(pixels, 28, 28),
    type: 'image/png',
  };
}

/** A white 28x28 PNG: a readable image without any ink. */
export function blankPng(): UploadFile {
  return {
    name: 'blank.png',
    bytes: encodeGreyPng(Buffer.alloc(28 * 28, 255), 28, 28),
    type: 'image/png',
  };
}

/**
 * Two sevens side by side on a 320x160 PNG: lensq reads one of them and doubts it
 * (`most-ink-set-aside`), since half of the ink is elsewhere.
 */
export function twoSevensPng(): Promise<Buffer> {
  const seven = (x: number) =>
    `<path d="M${x + 45} 40 L${x + 115} 40 L${x + 70} 130" fill="none" stroke="#111" ` +
    'stroke-width="12" stroke-linecap="round" stroke-linejoin="round"/>';
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160">' +
    `<rect width="100%" height="100%" fill="#f4f4f4"/>${seven(0)}${seven(160)}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
