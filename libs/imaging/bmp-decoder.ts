import { ImageRejectedError } from './image-rejected-error';

// Pixel loops use these local bindings: resolving the global `Math` on every pixel is many times
// slower inside Jest's sandbox than in plain Node.
const { floor, min, round } = Math;

/** The parts of a BMP header needed to size and decode it. */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
  isTopDown: boolean;
  pixelOffset: number;
  compression: number;
  headerSize: number;
  paletteSize: number;
}

/** Decoded pixels, four bytes (red, green, blue, alpha) per pixel, rows top to bottom. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const FILE_HEADER_SIZE = 14;
const CORE_HEADER_SIZE = 12;
const COMPRESSION_NONE = 0;
const COMPRESSION_BITFIELDS = 3;
const COMPRESSION_ALPHA_BITFIELDS = 6;
/** The red, green, blue (and alpha) masks follow a 40-byte info header, or sit inside a longer one. */
const MASKS_START = FILE_HEADER_SIZE + 40;
const COMPRESSION_NAMES: Record<number, string> = {
  1: 'RLE8',
  2: 'RLE4',
  4: 'embedded JPEG',
  5: 'embedded PNG',
};

interface ChannelMasks {
  red: number;
  green: number;
  blue: number;
  alpha: number;
}

/**
 * Reads a BMP header without touching the pixels. libvips, and so sharp, has no BMP loader, so
 * the service decodes the common uncompressed layouts itself.
 */
export function readBmpHeader(bytes: Uint8Array): BmpHeader {
  const view = viewOf(bytes);
  if (bytes.length < FILE_HEADER_SIZE + 4) {
    throw corrupt('the BMP header is cut short');
  }

  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (bytes.length < FILE_HEADER_SIZE + min(headerSize, 40)) {
    throw corrupt('the BMP header is cut short');
  }

  if (headerSize === CORE_HEADER_SIZE) {
    return {
      width: view.getUint16(18, true),
      height: view.getUint16(20, true),
      bitsPerPixel: view.getUint16(24, true),
      isTopDown: false,
      pixelOffset,
      compression: COMPRESSION_NONE,
      headerSize,
      paletteSize: 0,
    };
  }
  if (headerSize < 40) {
    throw corrupt(`the BMP header size ${headerSize} is not a known layout`);
  }

  const signedHeight = view.getInt32(22, true);
  return {
    width: view.getInt32(18, true),
    height: Math.abs(signedHeight),
    bitsPerPixel: view.getUint16(28, true),
    isTopDown: signedHeight < 0,
    pixelOffset,
    compression: view.getUint32(30, true),
    headerSize,
    paletteSize: view.getUint32(46, true),
  };
}

/**
 * Reads the header and checks, still without decoding, everything the decoder will rely on: a
 * layout it decodes, and pixel data, colour table and masks inside the file. The API calls it so
 * that a BMP the worker could not decode is refused at upload instead of accepted and failed.
 */
export function checkBmp(bytes: Uint8Array): BmpHeader {
  const header = readBmpHeader(bytes);
  assertDecodable(header);

  const rowStride = floor((header.bitsPerPixel * header.width + 31) / 32) * 4;
  if (header.pixelOffset + rowStride * header.height > bytes.length) {
    throw corrupt('the BMP pixel data is shorter than its header says (truncated file?)');
  }
  if (hasMaskFields(header) && MASKS_START + 16 > bytes.length) {
    throw corrupt('the BMP colour masks are cut short');
  }
  return header;
}

/** Decodes an uncompressed (or bit-field) BMP of 1, 4, 8, 16, 24 or 32 bits per pixel. */
export function decodeBmp(bytes: Uint8Array): RgbaImage {
  const header = checkBmp(bytes);

  const { width, height, bitsPerPixel } = header;
  const rowStride = floor((bitsPerPixel * width + 31) / 32) * 4;
  const palette = bitsPerPixel <= 8 ? readPalette(bytes, header) : undefined;
  const masks = bitsPerPixel === 16 || bitsPerPixel === 32 ? readMasks(bytes, header) : undefined;
  const data = new Uint8Array(width * height * 4);
  const view = viewOf(bytes);
  for (let row = 0; row < height; row++) {
    const sourceRow = header.isTopDown ? row : height - 1 - row;
    const rowStart = header.pixelOffset + sourceRow * rowStride;
    for (let column = 0; column < width; column++) {
      const target = (row * width + column) * 4;
      if (palette) {
        const index = readPaletteIndex(bytes, rowStart, column, bitsPerPixel);
        const entry = palette[min(index, palette.length - 1)];
        data.set(entry, target);
      } else if (bitsPerPixel === 24) {
        const source = rowStart + column * 3;
        data[target] = bytes[source + 2];
        data[target + 1] = bytes[source + 1];
        data[target + 2] = bytes[source];
        data[target + 3] = 255;
      } else {
        const value =
          bitsPerPixel === 16
            ? view.getUint16(rowStart + column * 2, true)
            : view.getUint32(rowStart + column * 4, true);
        writeMaskedPixel(data, target, value, masks as ChannelMasks);
      }
    }
  }

  if (bitsPerPixel === 32 && masks?.alpha && isAllTransparent(data)) {
    // Many writers leave the fourth byte of 32-bit BMPs at zero; that means opaque, not invisible.
    for (let index = 3; index < data.length; index += 4) {
      data[index] = 255;
    }
  }
  return { data, width, height };
}

function assertDecodable(header: BmpHeader): void {
  const compressionName = COMPRESSION_NAMES[header.compression];
  if (compressionName) {
    throw new ImageRejectedError(
      'unsupported-format',
      `BMP with ${compressionName} compression is not supported; save it as an uncompressed BMP, or as PNG or JPEG.`,
    );
  }
  if (
    ![COMPRESSION_NONE, COMPRESSION_BITFIELDS, COMPRESSION_ALPHA_BITFIELDS].includes(
      header.compression,
    )
  ) {
    throw corrupt(`the BMP compression type ${header.compression} is unknown`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(header.bitsPerPixel)) {
    throw corrupt(`a BMP cannot have ${header.bitsPerPixel} bits per pixel`);
  }
  if (header.width <= 0 || header.height <= 0) {
    throw corrupt(`the BMP says it is ${header.width}x${header.height} pixels`);
  }
}

function readPalette(bytes: Uint8Array, header: BmpHeader): Uint8Array[] {
  const entrySize = header.headerSize === CORE_HEADER_SIZE ? 3 : 4;
  const masksSize =
    header.headerSize === 40 && header.compression === COMPRESSION_BITFIELDS ? 12 : 0;
  const start = FILE_HEADER_SIZE + header.headerSize + masksSize;
  const count = header.paletteSize || 2 ** header.bitsPerPixel;
  if (start + count * entrySize > bytes.length) {
    throw corrupt('the BMP colour table is cut short');
  }

  const palette: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const entry = start + index * entrySize;
    palette.push(Uint8Array.of(bytes[entry + 2], bytes[entry + 1], bytes[entry], 255));
  }
  return palette;
}

function readPaletteIndex(
  bytes: Uint8Array,
  rowStart: number,
  column: number,
  bitsPerPixel: number,
): number {
  if (bitsPerPixel === 8) {
    return bytes[rowStart + column];
  }

  const pixelsPerByte = 8 / bitsPerPixel;
  const byte = bytes[rowStart + floor(column / pixelsPerByte)];
  const shift = 8 - bitsPerPixel * ((column % pixelsPerByte) + 1);
  return (byte >> shift) & ((1 << bitsPerPixel) - 1);
}

function hasMaskFields(header: BmpHeader): boolean {
  const isMasked = header.bitsPerPixel === 16 || header.bitsPerPixel === 32;
  return (
    isMasked &&
    (header.compression === COMPRESSION_BITFIELDS ||
      header.compression === COMPRESSION_ALPHA_BITFIELDS)
  );
}

function readMasks(bytes: Uint8Array, header: BmpHeader): ChannelMasks {
  if (!hasMaskFields(header)) {
    return header.bitsPerPixel === 16
      ? { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 }
      : { red: 0xff0000, green: 0xff00, blue: 0xff, alpha: 0xff000000 };
  }

  const view = viewOf(bytes);
  const start = MASKS_START;
  const hasAlphaMask =
    header.headerSize >= 56 || header.compression === COMPRESSION_ALPHA_BITFIELDS;
  return {
    red: view.getUint32(start, true),
    green: view.getUint32(start + 4, true),
    blue: view.getUint32(start + 8, true),
    alpha: hasAlphaMask ? view.getUint32(start + 12, true) : 0,
  };
}

function writeMaskedPixel(data: Uint8Array, target: number, value: number, masks: ChannelMasks) {
  data[target] = scaleMasked(value, masks.red);
  data[target + 1] = scaleMasked(value, masks.green);
  data[target + 2] = scaleMasked(value, masks.blue);
  data[target + 3] = masks.alpha ? scaleMasked(value, masks.alpha) : 255;
}

/** Extracts a channel from its bit mask and scales it to 0..255 (5 bits become 0..31 → 0..255). */
function scaleMasked(value: number, mask: number): number {
  if (mask === 0) {
    return 0;
  }

  let shift = 0;
  while (((mask >>> shift) & 1) === 0) {
    shift++;
  }
  const maximum = mask >>> shift;
  return round((((value & mask) >>> shift) * 255) / maximum);
}

function isAllTransparent(data: Uint8Array): boolean {
  for (let index = 3; index < data.length; index += 4) {
    if (data[index] !== 0) {
      return false;
    }
  }
  return true;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function corrupt(reason: string): ImageRejectedError {
  return new ImageRejectedError('corrupt-image', `The image is corrupt or truncated: ${reason}.`);
}
