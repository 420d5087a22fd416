import sharp from 'sharp';

/** Side of the synthetic digit images, in pixels. */
export const SYNTHETIC_SIZE = 160;

export interface DigitDrawing {
  /** Colour of the ink; default near-black. */
  ink?: string;
  /** Colour of the paper, or `none` for a transparent background; default near-white. */
  paper?: string;
  strokeWidth?: number;
  /** SVG markup drawn over the paper and under the digit: grid lines, shadows, frames. */
  scenery?: string;
  /** Size of the whole image; the digit keeps its size and sits at `offset`. */
  canvas?: { width: number; height: number };
  offset?: { x: number; y: number };
}

/** An SVG "7" (no crossbar), dark ink on light paper unless told otherwise. */
export function digitSvg(drawing: DigitDrawing = {}): Buffer {
  const { ink = '#111', paper = '#f4f4f4', strokeWidth = 12, scenery = '' } = drawing;
  const { width, height } = drawing.canvas ?? { width: SYNTHETIC_SIZE, height: SYNTHETIC_SIZE };
  const { x, y } = drawing.offset ?? { x: 0, y: 0 };
  const paperRect = paper === 'none' ? '' : `<rect width="100%" height="100%" fill="${paper}"/>`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      paperRect +
      scenery +
      `<path d="M${45 + x} ${40 + y} L${115 + x} ${40 + y} L${70 + x} ${130 + y}" fill="none" ` +
      `stroke="${ink}" stroke-width="${strokeWidth}" stroke-linecap="round" ` +
      `stroke-linejoin="round"/></svg>`,
  );
}

/** The synthetic digit as raw 8-bit RGBA pixels. */
export async function digitRgba(drawing?: DigitDrawing): Promise<Buffer> {
  return sharp(digitSvg(drawing)).ensureAlpha().raw().toBuffer();
}

/** The synthetic digit as an opaque PNG, the reference every other encoding is compared to. */
export async function digitPng(drawing?: DigitDrawing): Promise<Buffer> {
  return sharp(digitSvg(drawing)).flatten({ background: '#ffffff' }).png().toBuffer();
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
