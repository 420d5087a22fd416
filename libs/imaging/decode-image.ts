import sharp from 'sharp';

import { decodeBmp, RgbaImage } from './bmp-decoder';
import { ImageRejectedError } from './image-rejected-error';
import { corruptImage, ImageInfo, ImageLimits, inspectImage } from './inspect-image';
import { decodePlainPng, PLAIN_PNG_MAX_PIXELS } from './plain-png-decoder';

/** A rectangle in pixels of the upright, full-resolution image. */
export interface PixelBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** An upload decoded to 8-bit sRGB with alpha, upright, first frame only. */
export interface DecodedImage extends RgbaImage {
  source: ImageInfo;
  /** Width of the whole upright image at full resolution (EXIF rotation applied). */
  uprightWidth: number;
  /** Height of the whole upright image at full resolution. */
  uprightHeight: number;
  /** The part of the upright image that was decoded: all of it unless a region was asked for. */
  region: PixelBox;
}

export interface DecodeOptions {
  limits: ImageLimits;
  /** Shrink (never enlarge) so that the longer side is at most this many pixels. */
  maxSide?: number;
  /** Decode only this part of the upright image (clipped to it). */
  region?: PixelBox;
}

/**
 * Decodes any accepted upload into upright 8-bit RGBA: EXIF orientation applied, first GIF frame
 * or TIFF page, 16-bit samples scaled to 8 bits, CMYK and palettes converted to sRGB.
 *
 * @throws ImageRejectedError as `inspectImage` does, and `corrupt-image` when decoding fails.
 */
export async function decodeImage(
  bytes: Uint8Array,
  options: DecodeOptions,
): Promise<DecodedImage> {
  const source = await inspectImage(bytes, options.limits);
  const plain = isPlainPngCandidate(source, options) ? decodePlainPng(bytes) : undefined;
  if (plain) {
    const { width, height } = plain;
    const region = { left: 0, top: 0, width, height };
    return { ...plain, source, uprightWidth: width, uprightHeight: height, region };
  }

  try {
    const { pipeline, uprightWidth, uprightHeight } = await openPipeline(bytes, source, options);
    const region = clipRegion(options.region, uprightWidth, uprightHeight);
    if (options.region) {
      pipeline.extract(region);
    }
    if (options.maxSide) {
      pipeline.resize(options.maxSide, options.maxSide, {
        fit: 'inside',
        withoutEnlargement: true,
      });
    }

    const { data, info } = await pipeline
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      source,
      uprightWidth,
      uprightHeight,
      region,
    };
  } catch (error) {
    if (error instanceof ImageRejectedError) {
      throw error;
    }
    throw corruptImage(source.format, error);
  }
}

/**
 * Whether the upload may be a PNG that sharp would decode as is: whole, at its own size (PNGs
 * with EXIF orientation are left to sharp by the decoder itself).
 */
function isPlainPngCandidate(source: ImageInfo, options: DecodeOptions): boolean {
  const { width, height } = source;
  const fitsMaxSide = !options.maxSide || Math.max(width, height) <= options.maxSide;
  return (
    source.format === 'png' &&
    !options.region &&
    fitsMaxSide &&
    width * height <= PLAIN_PNG_MAX_PIXELS
  );
}

async function openPipeline(
  bytes: Uint8Array,
  source: ImageInfo,
  options: DecodeOptions,
): Promise<{ pipeline: sharp.Sharp; uprightWidth: number; uprightHeight: number }> {
  if (source.format === 'bmp') {
    const bitmap = decodeBmp(bytes);
    const raw = { width: bitmap.width, height: bitmap.height, channels: 4 as const };
    const pixels = Buffer.from(bitmap.data.buffer, bitmap.data.byteOffset, bitmap.data.length);
    return {
      pipeline: sharp(pixels, { raw }),
      uprightWidth: bitmap.width,
      uprightHeight: bitmap.height,
    };
  }

  const pipeline = sharp(bytes, {
    limitInputPixels: options.limits.maxPixels,
    failOn: 'truncated',
    page: 0,
    pages: 1,
  });
  const { orientation = 1 } = await pipeline.metadata();
  const isTurned = orientation >= 5;
  // rotate() with no angle turns the image upright from its EXIF orientation.
  return {
    pipeline: pipeline.rotate(),
    uprightWidth: isTurned ? source.height : source.width,
    uprightHeight: isTurned ? source.width : source.height,
  };
}

function clipRegion(region: PixelBox | undefined, width: number, height: number): PixelBox {
  if (!region) {
    return { left: 0, top: 0, width, height };
  }

  const left = Math.max(0, Math.min(width - 1, Math.round(region.left)));
  const top = Math.max(0, Math.min(height - 1, Math.round(region.top)));
  const right = Math.max(left + 1, Math.min(width, Math.round(region.left + region.width)));
  const bottom = Math.max(top + 1, Math.min(height, Math.round(region.top + region.height)));
  return { left, top, width: right - left, height: bottom - top };
}
