import { crc32, deflateSync } from 'node:zlib';

const SIDE = 28;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// 8-bit greyscale, deflate, adaptive filtering, no interlace.
const GREY_8_BIT = [8, 0, 0, 0, 0];

/**
 * Encodes the 28x28 model input (values in [0, 1]) as a small grey PNG: "what the model saw".
 * Written by hand rather than with sharp: a worker encodes one per image, and for 784 pixels
 * a sharp pipeline costs about ten times as much as this (0.8 ms against 0.09 ms, measured).
 */
export function encodeInputPreview(pixels: Float32Array): Buffer {
  // Each row starts with its filter type, 0 (none).
  const rows = Buffer.alloc((SIDE + 1) * SIDE);
  for (let y = 0; y < SIDE; y += 1) {
    for (let x = 0; x < SIDE; x += 1) {
      const value = pixels[y * SIDE + x];
      rows[y * (SIDE + 1) + 1 + x] = Math.round(Math.min(1, Math.max(0, value)) * 255);
    }
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIDE, 0);
  header.writeUInt32BE(SIDE, 4);
  header.set(GREY_8_BIT, 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}
