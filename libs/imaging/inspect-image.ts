import { crc32 } from 'node:zlib';

import sharp from 'sharp';

import { checkBmp, readBmpHeader } from './bmp-decoder';
import { detectImageFormat, formatName, ImageFormat, SUPPORTED_FORMAT_NAMES } from './image-format';
import { ImageRejectedError } from './image-rejected-error';

/** Limits that keep one upload from exhausting the memory of the process decoding it. */
export interface ImageLimits {
  /** Largest width × height accepted, checked from the header before any pixel is decoded. */
  maxPixels: number;
}

/** A sensible `maxPixels` for callers without their own setting: about a 7,700 × 5,200 photo. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** What the header of an accepted upload says. */
export interface ImageInfo {
  format: ImageFormat;
  /** Width in pixels as stored, before any EXIF rotation. */
  width: number;
  /** Height in pixels as stored (of the first frame or page). */
  height: number;
}

const PNG_END_CHUNK = Buffer.from('IEND', 'ascii');
const JPEG_START_OF_SCAN = Buffer.from([0xff, 0xda]);
const JPEG_END_OF_IMAGE = Buffer.from([0xff, 0xd9]);
/** How libvips words a PNG refused for the size or number of its ancillary chunks. */
const PNG_METADATA_LIMIT_REASON = 'reached chunk/cache limits';

/**
 * Checks that `bytes` are an image we accept and reads its size from the header only, without
 * decoding pixels, so the API can refuse an upload before queueing it.
 *
 * @throws ImageRejectedError with code `empty-file`, `unsupported-format`, `too-many-pixels` or
 *   `corrupt-image`.
 */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits): Promise<ImageInfo> {
  if (bytes.length === 0) {
    throw new ImageRejectedError('empty-file', 'The file is empty (0 bytes); send an image.');
  }

  const detected = detectImageFormat(bytes);
  if (!detected.isSupported) {
    throw new ImageRejectedError(
      'unsupported-format',
      `${capitalise(detected.name)} is not supported; supported: ${SUPPORTED_FORMAT_NAMES.join(', ')}.`,
    );
  }

  const { width, height } = await readDimensions(bytes, detected.format);
  assertWithinLimits(width, height, limits);

  assertDecodableBody(bytes, detected.format);
  return { format: detected.format, width, height };
}

/** Refuses dimensions over `limits`; exported for callers that learn the size another way. */
export function assertWithinLimits(width: number, height: number, limits: ImageLimits): void {
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new ImageRejectedError(
      'too-many-pixels',
      `The image is ${width}x${height} pixels (${formatCount(pixels)}); the limit is ` +
        `${formatCount(limits.maxPixels)} pixels. Scale it down and send it again.`,
    );
  }
}

async function readDimensions(
  bytes: Uint8Array,
  format: ImageFormat,
): Promise<{ width: number; height: number }> {
  if (format === 'bmp') {
    const header = readBmpHeader(bytes);
    return { width: header.width, height: header.height };
  }
  if (format === 'png') {
    const dimensions = readPlainPngHeader(bytes);
    if (dimensions) return dimensions;
  }

  try {
    // metadata() parses headers only; the pixel limit is ours to apply, with a clearer message.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    const height = metadata.pageHeight ?? metadata.height;
    if (!metadata.width || !height) {
      throw new Error('no dimensions in the header');
    }
    return { width: metadata.width, height };
  } catch (error) {
    throw corruptImage(format, error);
  }
}

/**
 * Cheap checks past the header, so that what the worker cannot decode is refused at upload: a PNG
 * or JPEG cut short still has a readable header, but its end chunk (end-of-image marker) is
 * missing; a BMP must use a layout the decoder reads (no RLE) and hold all the pixel data its
 * header announces.
 */
const PNG_HEADER_END = 33;
const PNG_BIT_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
// Small chunks that may come between the header and the pixels of an ordinary PNG.
const PNG_PLAIN_CHUNKS = new Set(['PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'pHYs', 'bKGD', 'sBIT']);
const PNG_PLAIN_CHUNK_BYTES = 1024;

/**
 * The size of an ordinary PNG, read from its IHDR chunk without sharp, whose set-up costs
 * the API more than the rest of an upload of a small image: a valid header (checksum
 * included) followed by a few small, well-known chunks and then the pixels. Anything else
 * (text or ICC chunks, odd values) returns undefined and goes through sharp's full checks.
 */
function readPlainPngHeader(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < PNG_HEADER_END + 8) return undefined;
  const view = asBuffer(bytes);
  const isHeader =
    view.readUInt32BE(8) === 13 &&
    view.toString('latin1', 12, 16) === 'IHDR' &&
    view.readUInt32BE(29) === crc32(view.subarray(12, 29));
  if (!isHeader) return undefined;

  const width = view.readUInt32BE(16);
  const height = view.readUInt32BE(20);
  const [bitDepth, colourType, compression, filter, interlace] = view.subarray(24, 29);
  const isValid =
    width > 0 &&
    height > 0 &&
    width < 2 ** 31 &&
    height < 2 ** 31 &&
    (PNG_BIT_DEPTHS[colourType]?.includes(bitDepth) ?? false) &&
    compression === 0 &&
    filter === 0 &&
    interlace <= 1;
  if (!isValid) return undefined;

  for (let offset = PNG_HEADER_END; offset + 8 <= view.length;) {
    const length = view.readUInt32BE(offset);
    const type = view.toString('latin1', offset + 4, offset + 8);
    if (type === 'IDAT') return { width, height };
    if (!PNG_PLAIN_CHUNKS.has(type) || length > PNG_PLAIN_CHUNK_BYTES) return undefined;
    offset += length + 12;
  }
  return undefined;
}

function assertDecodableBody(bytes: Uint8Array, format: ImageFormat): void {
  if (format === 'bmp') {
    checkBmp(bytes);
  }
  if (format === 'png' && asBuffer(bytes).lastIndexOf(PNG_END_CHUNK) === -1) {
    throw new ImageRejectedError(
      'corrupt-image',
      'The PNG image is corrupt or truncated: its end chunk is missing. Send the complete file.',
    );
  }
  if (format === 'jpeg' && !hasJpegEnd(bytes)) {
    throw new ImageRejectedError(
      'corrupt-image',
      'The JPEG image is corrupt or truncated: its image data does not end. Send the complete file.',
    );
  }
}

/** A JPEG's last scan (after its last start-of-scan marker) ends with an end-of-image marker. */
function hasJpegEnd(bytes: Uint8Array): boolean {
  const buffer = asBuffer(bytes);
  const lastScan = buffer.lastIndexOf(JPEG_START_OF_SCAN);
  return lastScan !== -1 && buffer.indexOf(JPEG_END_OF_IMAGE, lastScan) !== -1;
}

/** Maps a decoder failure to the rejection the sender should see. */
export function corruptImage(format: ImageFormat, cause: unknown): ImageRejectedError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  if (reason.includes(PNG_METADATA_LIMIT_REASON)) {
    // libspng's guard against metadata bombs: the image may be fine, its metadata is not.
    return new ImageRejectedError(
      'corrupt-image',
      'The PNG image carries more metadata than is accepted (over about 1,000 text chunks, or a ' +
        'text or colour-profile chunk that inflates past tens of megabytes). Save it again ' +
        'without metadata and send it again.',
    );
  }
  // libvips's own reason is left out: it keeps one error buffer for the whole process, so a
  // decode failing beside another often reports the other's reason (a PNG blamed for "VipsJpeg:
  // premature end of JPEG image") or "Unknown error".
  return new ImageRejectedError(
    'corrupt-image',
    `The ${formatName(format)} image is corrupt or truncated and cannot be decoded. ` +
      'Send the complete file.',
  );
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A Buffer over the same memory, for Buffer's searches: no copy of an upload of megabytes. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
