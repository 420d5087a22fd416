import { deflateSync } from 'node:zlib';

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

export function encodeGreyPng(pixels: Buffer, width: number, height: number): Buffer {
  const rows = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y += 1)
    pixels.copy(rows, y * (width + 1) + 1, y * width, (y + 1) * width);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
