import sharp from 'sharp';

/** Side of the synthetic digit images, in pixels. */
export const SYNTHETIC_SIZE = 160;

/** An SVG "7" with a crossbar-free stem, dark ink on light paper unless told otherwise. */
export function digitSvg(options: { ink?: string; paper?: string; strokeWidth?: number } = {}) {
  const { ink = '#111', paper = '#f4f4f4', strokeWidth = 12 } = options;
  const paperRect = paper === 'none' ? '' : `<rect width="100%" height="100%" fill="${paper}"/>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SYNTHETIC_SIZE}" height="${SYNTHETIC_SIZE}">` +
      paperRect +
      `<path d="M45 40 L115 40 L70 130" fill="none" stroke="${ink}" ` +
      `stroke-width="${strokeWidth}" stroke-linecap="round" stroke-linejoin="round"/></svg>`,
  );
}

/** The synthetic digit as raw 8-bit RGBA pixels. */
export async function digitRgba(options?: Parameters<typeof digitSvg>[0]): Promise<Buffer> {
  return sharp(digitSvg(options)).ensureAlpha().raw().toBuffer();
}

/** The synthetic digit as an opaque PNG, the reference every other encoding is compared to. */
export async function digitPng(options?: Parameters<typeof digitSvg>[0]): Promise<Buffer> {
  return sharp(digitSvg(options)).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** Encodes RGBA pixels as an uncompressed BMP, the way common writers lay it out. */
export function encodeBmp(
  rgba: Uint8Array,
  width: number,
  height: number,
  options: { bitsPerPixel: 8 | 24 | 32; isTopDown?: boolean; compression?: number },
): Buffer {
  const { bitsPerPixel, isTopDown = false, compression = 0 } = options;
  const rowStride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const paletteSize = bitsPerPixel === 8 ? 256 * 4 : 0;
  const pixelOffset = 14 + 40 + paletteSize;
  const bytes = Buffer.alloc(pixelOffset + rowStride * height);

  bytes.write('BM', 0, 'ascii');
  bytes.writeUInt32LE(bytes.length, 2);
  bytes.writeUInt32LE(pixelOffset, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(width, 18);
  bytes.writeInt32LE(isTopDown ? -height : height, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(bitsPerPixel, 28);
  bytes.writeUInt32LE(compression, 30);
  for (let level = 0; bitsPerPixel === 8 && level < 256; level++) {
    bytes.fill(level, 54 + level * 4, 54 + level * 4 + 3);
  }

  for (let y = 0; y < height; y++) {
    const rowStart = pixelOffset + (isTopDown ? y : height - 1 - y) * rowStride;
    for (let x = 0; x < width; x++) {
      const source = (y * width + x) * 4;
      const [red, green, blue, alpha] = rgba.subarray(source, source + 4);
      if (bitsPerPixel === 8) {
        bytes[rowStart + x] = Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
      } else {
        const target = rowStart + x * (bitsPerPixel / 8);
        bytes[target] = blue;
        bytes[target + 1] = green;
        bytes[target + 2] = red;
        if (bitsPerPixel === 32) {
          bytes[target + 3] = alpha;
        }
      }
    }
  }
  return bytes;
}
