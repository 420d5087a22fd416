import sharp from 'sharp';

import { decodeBmp, RgbaImage } from './bmp-decoder';
import { ImageLimits, ImageInfo, inspectImage, corruptImage } from './inspect-image';
import { ImageRejectedError } from './image-rejected-error';

/** An upload decoded to 8-bit sRGB with alpha, upright, first frame only. */
export interface DecodedImage extends RgbaImage {
  source: ImageInfo;
}

export interface DecodeOptions {
  limits: ImageLimits;
  /** Shrink (never enlarge) so that the longer side is at most this many pixels. */
  maxSide?: number;
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

  try {
    const pipeline = openPipeline(bytes, source, options.limits);
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
    return { data: new Uint8Array(data), width: info.width, height: info.height, source };
  } catch (error) {
    if (error instanceof ImageRejectedError) {
      throw error;
    }
    throw corruptImage(source.format, error);
  }
}

function openPipeline(bytes: Uint8Array, source: ImageInfo, limits: ImageLimits): sharp.Sharp {
  if (source.format === 'bmp') {
    const bitmap = decodeBmp(bytes);
    return sharp(Buffer.from(bitmap.data.buffer, bitmap.data.byteOffset, bitmap.data.length), {
      raw: { width: bitmap.width, height: bitmap.height, channels: 4 },
    });
  }

  // rotate() with no angle turns the image upright from its EXIF orientation.
  return sharp(bytes, {
    limitInputPixels: limits.maxPixels,
    failOn: 'truncated',
    page: 0,
    pages: 1,
  }).rotate();
}
