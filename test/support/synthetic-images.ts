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
