import { crc32, inflateSync } from 'node:zlib';

import { RgbaImage } from './bmp-decoder';

/**
 * Plain PNGs at most this many pixels are decoded here; larger ones gain nothing worth the
 * memory of inflating them in one piece, and go through sharp.
 */
export const PLAIN_PNG_MAX_PIXELS = 1_000_000;

const PNG_SIGNATURE_BYTES = 8;
const CHUNK_OVERHEAD = 12;

const GREY = 0;
const RGB = 2;
const PALETTE = 3;
const GREY_ALPHA = 4;
const RGBA = 6;

/** Samples per pixel of each colour type. */
const CHANNELS: Record<number, number> = {
  [GREY]: 1,
  [RGB]: 3,
  [PALETTE]: 1,
  [GREY_ALPHA]: 2,
  [RGBA]: 4,
};

/**
 * Chunks that change nothing in what sharp decodes: sharp does not apply gamma, chromaticities
 * or the sRGB intent, and reads physical size and background colour as metadata only. Any other
 * chunk (text, ICC profile, EXIF orientation, animation) sends the image through sharp.
 */
const IGNORED_CHUNKS = new Set(['gAMA', 'cHRM', 'sRGB', 'pHYs', 'bKGD', 'sBIT']);
/** Ignored chunks the PNG specification places before PLTE, and those it places after. */
const BEFORE_PALETTE = new Set(['gAMA', 'cHRM', 'sRGB', 'sBIT']);
const AFTER_PALETTE = new Set(['bKGD', 'tRNS']);

/**
 * Ordinary encoders write a handful of chunks (libpng splits pixel data every 8 KiB, so a
 * 1,000,000-pixel image has a few hundred). A file of many more, such as hundreds of thousands
 * of empty IDATs, would cost more to check here than sharp takes: it goes to sharp.
 */
const MAX_CHUNKS = 1024;

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
}

/** The chunks that decide the pixels, gathered from the file. */
interface PngParts {
  header: PngHeader;
  palette?: Uint8Array;
  transparency?: Uint8Array;
  compressed: Buffer[];
}

/**
 * Decodes an ordinary small PNG (non-interlaced; 8-bit grey, grey + alpha, RGB or RGBA; grey or
 * palette of 1, 2, 4 or 8 bits; no chunk that sharp would act on) to 8-bit RGBA exactly as sharp
 * does, without sharp's fixed cost per call, which for a 28x28 digit is many times the decoding
 * itself.
 *
 * Returns undefined for anything else, damaged files included (a bad checksum, a broken zlib
 * stream, too little or too much data, a palette index out of range): sharp then decodes the
 * file, or refuses it, as it always has, so the outcome of a damaged upload does not depend on
 * this path.
 */
export function decodePlainPng(bytes: Uint8Array): RgbaImage | undefined {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts = readPlainChunks(file);
  if (!parts) {
    return undefined;
  }

  const { width, height, bitDepth, colourType } = parts.header;
  const rowBytes = Math.ceil((width * CHANNELS[colourType] * bitDepth) / 8);
  const filtered = inflateExactly(parts.compressed, (rowBytes + 1) * height);
  if (!filtered) {
    return undefined;
  }

  const pixelBytes = Math.max(1, (CHANNELS[colourType] * bitDepth) / 8);
  const samples = unfilter(filtered, rowBytes, height, pixelBytes);
  if (!samples) {
    return undefined;
  }

  const data = toRgba(samples, rowBytes, parts);
  return data && { data, width, height };
}

/**
 * The header and pixel chunks of a plain PNG, or undefined when it is not plain, not intact or
 * not laid out as the specification asks. Whatever libspng (sharp's PNG reader) might treat in
 * its own way, such as chunks out of order, a palette on a true-colour image or a colour key
 * wider than the bit depth, goes to sharp: this path takes on only files whose reading is
 * beyond doubt.
 */
function readPlainChunks(file: Buffer): PngParts | undefined {
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const compressed: Buffer[] = [];
  let chunks = 0;

  for (let offset = PNG_SIGNATURE_BYTES; offset + CHUNK_OVERHEAD <= file.length; chunks++) {
    if (chunks >= MAX_CHUNKS) {
      return undefined;
    }
    const length = file.readUInt32BE(offset);
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    if (dataEnd + 4 > file.length) {
      return undefined;
    }
    const type = file.toString('latin1', offset + 4, offset + 8);
    const data = file.subarray(dataStart, dataEnd);
    if (file.readUInt32BE(dataEnd) !== crc32(file.subarray(offset + 4, dataEnd))) {
      return undefined;
    }

    const isFirst = offset === PNG_SIGNATURE_BYTES;
    if (isFirst !== (type === 'IHDR')) {
      return undefined;
    }
    if (type === 'IEND') {
      return header && compressed.length > 0 && isComplete(header, palette, transparency)
        ? { header, palette, transparency, compressed }
        : undefined;
    }

    if (type === 'IHDR') {
      header = readHeader(data);
      if (!header) return undefined;
    } else if (type === 'IDAT') {
      compressed.push(data);
    } else if (compressed.length > 0 || !header) {
      // Only IDAT chunks, back to back, until IEND.
      return undefined;
    } else if (!isInPlace(type, header, palette)) {
      return undefined;
    } else if (type === 'PLTE' && !palette) {
      palette = data;
    } else if (type === 'tRNS' && !transparency) {
      transparency = data;
    } else if (!IGNORED_CHUNKS.has(type)) {
      return undefined;
    }
    offset = dataEnd + 4;
  }
  return undefined;
}

/** Whether a chunk before the pixel data stands where the specification puts it. */
function isInPlace(type: string, header: PngHeader, palette: Uint8Array | undefined): boolean {
  const isPaletteImage = header.colourType === PALETTE;
  if (type === 'PLTE') {
    // On a true-colour image a palette is only a hint for displays, and readers differ on a
    // malformed one; a second palette is malformed.
    return isPaletteImage && !palette;
  }
  if (type === 'tRNS' && (header.colourType === GREY_ALPHA || header.colourType === RGBA)) {
    return false;
  }
  if (!isPaletteImage) {
    return true;
  }
  return palette ? !BEFORE_PALETTE.has(type) : !AFTER_PALETTE.has(type);
}

/** The palette and transparency agree with the header, so no reader could differ on them. */
function isComplete(
  header: PngHeader,
  palette: Uint8Array | undefined,
  transparency: Uint8Array | undefined,
): boolean {
  const { colourType, bitDepth } = header;
  if (colourType === PALETTE) {
    if (!palette || palette.length === 0 || palette.length % 3 !== 0) return false;
    const entries = palette.length / 3;
    return entries <= 1 << bitDepth && (!transparency || transparency.length <= entries);
  }
  if (!transparency) {
    return true;
  }
  const channels = colourType === RGB ? 3 : 1;
  if (transparency.length !== 2 * channels) {
    return false;
  }
  // A key with bits above the bit depth: readers differ on whether to mask them off.
  for (let channel = 0; channel < channels; channel++) {
    const value = (transparency[2 * channel] << 8) | transparency[2 * channel + 1];
    if (value >= 1 << bitDepth) return false;
  }
  return true;
}

function readHeader(data: Buffer): PngHeader | undefined {
  if (data.length !== 13) {
    return undefined;
  }

  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const [bitDepth, colourType, compression, filter, interlace] = data.subarray(8, 13);
  const isLowDepthAllowed = colourType === GREY || colourType === PALETTE;
  const isDepthAllowed = bitDepth === 8 || (isLowDepthAllowed && [1, 2, 4].includes(bitDepth));
  const isPlain =
    width > 0 &&
    height > 0 &&
    width * height <= PLAIN_PNG_MAX_PIXELS &&
    CHANNELS[colourType] !== undefined &&
    isDepthAllowed &&
    compression === 0 &&
    filter === 0 &&
    interlace === 0;
  return isPlain ? { width, height, bitDepth, colourType } : undefined;
}

/** The inflated pixel data when it is exactly `expectedLength` bytes; undefined otherwise. */
function inflateExactly(compressed: Buffer[], expectedLength: number): Buffer | undefined {
  try {
    const input = compressed.length === 1 ? compressed[0] : Buffer.concat(compressed);
    // One byte of room above the expected length tells too much data from just enough.
    const inflated = inflateSync(input, { maxOutputLength: expectedLength + 1 });
    return inflated.length === expectedLength ? inflated : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Undoes PNG's per-row filters in place; returns the rows without their filter-type bytes, or
 * undefined for an unknown filter type. Each filter predicts a byte from its left neighbour `a`
 * (one pixel back), the byte above `b` and the byte above-left `c`.
 */
function unfilter(
  filtered: Buffer,
  rowBytes: number,
  height: number,
  pixelBytes: number,
): Uint8Array | undefined {
  const samples = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const filterType = filtered[y * (rowBytes + 1)];
    const source = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const above = row - rowBytes;
    const hasAbove = y > 0;
    for (let x = 0; x < rowBytes; x++) {
      const raw = filtered[source + x];
      const a = x >= pixelBytes ? samples[row + x - pixelBytes] : 0;
      const b = hasAbove ? samples[above + x] : 0;
      if (filterType === 0) {
        samples[row + x] = raw;
      } else if (filterType === 1) {
        samples[row + x] = raw + a;
      } else if (filterType === 2) {
        samples[row + x] = raw + b;
      } else if (filterType === 3) {
        samples[row + x] = raw + ((a + b) >> 1);
      } else if (filterType === 4) {
        const c = hasAbove && x >= pixelBytes ? samples[above + x - pixelBytes] : 0;
        samples[row + x] = raw + paethPredictor(a, b, c);
      } else {
        return undefined;
      }
    }
  }
  return samples;
}

function paethPredictor(a: number, b: number, c: number): number {
  const estimate = a + b - c;
  const fromA = Math.abs(estimate - a);
  const fromB = Math.abs(estimate - b);
  const fromC = Math.abs(estimate - c);
  if (fromA <= fromB && fromA <= fromC) {
    return a;
  }
  return fromB <= fromC ? b : c;
}

/**
 * Expands unfiltered rows to RGBA: grey levels of fewer than 8 bits scaled to 0..255, palette
 * indices looked up, and the transparency chunk applied (a colour key for grey and RGB, alpha
 * per palette entry), as sharp does. Undefined for a palette index without an entry.
 */
function toRgba(samples: Uint8Array, rowBytes: number, parts: PngParts): Uint8Array | undefined {
  const { width, height, colourType } = parts.header;
  const rgba = new Uint8Array(width * height * 4);
  if (colourType === GREY || colourType === PALETTE) {
    return expandSingleSample(samples, rowBytes, parts, rgba);
  }

  const channels = CHANNELS[colourType];
  const key = colourType === RGB ? colourKey(parts.transparency, 3) : undefined;
  for (let pixel = 0, source = 0; pixel < width * height; pixel++, source += channels) {
    const target = pixel * 4;
    if (colourType === GREY_ALPHA) {
      rgba[target] = rgba[target + 1] = rgba[target + 2] = samples[source];
      rgba[target + 3] = samples[source + 1];
      continue;
    }
    rgba[target] = samples[source];
    rgba[target + 1] = samples[source + 1];
    rgba[target + 2] = samples[source + 2];
    const isKeyed =
      key !== undefined &&
      samples[source] === key[0] &&
      samples[source + 1] === key[1] &&
      samples[source + 2] === key[2];
    rgba[target + 3] = colourType === RGBA ? samples[source + 3] : isKeyed ? 0 : 255;
  }
  return rgba;
}

/** Grey levels and palette indices, which may pack several pixels into one byte. */
function expandSingleSample(
  samples: Uint8Array,
  rowBytes: number,
  parts: PngParts,
  rgba: Uint8Array,
): Uint8Array | undefined {
  const { width, height, bitDepth, colourType } = parts.header;
  const isPalette = colourType === PALETTE;
  const palette = parts.palette;
  // `isComplete` has checked the palette against the header; indices are checked below.
  if (isPalette && !palette) {
    return undefined;
  }
  const paletteSize = palette ? palette.length / 3 : 0;
  const key = isPalette ? undefined : colourKey(parts.transparency, 1);
  const levelScale = 255 / ((1 << bitDepth) - 1);
  const mask = (1 << bitDepth) - 1;
  const pixelsPerByte = 8 / bitDepth;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = samples[y * rowBytes + Math.floor(x / pixelsPerByte)];
      const shift = 8 - bitDepth * ((x % pixelsPerByte) + 1);
      const sample = (byte >> shift) & mask;
      const target = (y * width + x) * 4;
      if (!isPalette) {
        rgba[target] = rgba[target + 1] = rgba[target + 2] = sample * levelScale;
        rgba[target + 3] = key !== undefined && sample === key[0] ? 0 : 255;
        continue;
      }
      if (sample >= paletteSize || !palette) {
        return undefined;
      }
      rgba[target] = palette[sample * 3];
      rgba[target + 1] = palette[sample * 3 + 1];
      rgba[target + 2] = palette[sample * 3 + 2];
      rgba[target + 3] =
        parts.transparency && sample < parts.transparency.length ? parts.transparency[sample] : 255;
    }
  }
  return rgba;
}

/**
 * The colour key of a tRNS chunk for grey or RGB: one 16-bit value per channel. `isComplete`
 * has already checked its length and that it fits the bit depth.
 */
function colourKey(transparency: Uint8Array | undefined, channels: number): number[] | undefined {
  if (!transparency) {
    return undefined;
  }
  return Array.from(
    { length: channels },
    (_, channel) => (transparency[2 * channel] << 8) | transparency[2 * channel + 1],
  );
}
