import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

import sharp from 'sharp';

import { pngChunk } from './grey-png';
import { ImageRejectedError, ImageRejectionCode } from './image-rejected-error';
import { corruptImage, DEFAULT_MAX_PIXELS, inspectImage } from './inspect-image';
import { findSharedFolder, SHARED_FOLDER_MISSING } from './testing/shared-folder';
import {
  digitPng,
  digitRgba,
  digitSvg,
  encodeBmp,
  SYNTHETIC_SIZE,
} from './testing/synthetic-digit';

const LIMITS = { maxPixels: DEFAULT_MAX_PIXELS };
const sharedFolder = findSharedFolder();

async function rejection(bytes: Uint8Array, limits = LIMITS): Promise<ImageRejectedError> {
  const error: unknown = await inspectImage(bytes, limits).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ImageRejectedError);
  return error as ImageRejectedError;
}

/** A valid PNG whose header claims other dimensions (the CRC is fixed up so only the size lies). */
async function pngClaimingSize(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await digitPng());
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
}

describe(inspectImage.name, () => {
  it('should read the format and size of a PNG', async () => {
    const bytes = await digitPng();

    const sut = await inspectImage(bytes, LIMITS);

    expect(sut).toEqual({ format: 'png', width: SYNTHETIC_SIZE, height: SYNTHETIC_SIZE });
  });

  it('should read the same size with or without chunks that send a PNG through sharp', async () => {
    const plain = await sharp(await digitPng())
      .resize(37, 23, { fit: 'fill' })
      .png()
      .toBuffer();
    const withText = Buffer.concat([
      plain.subarray(0, 33),
      pngChunk('tEXt', Buffer.from('Comment\0drawn on a tablet', 'latin1')),
      plain.subarray(33),
    ]);

    const [fast, full] = await Promise.all([
      inspectImage(plain, LIMITS),
      inspectImage(withText, LIMITS),
    ]);

    expect(fast).toEqual({ format: 'png', width: 37, height: 23 });
    expect(full).toEqual(fast);
  });

  it('should refuse a PNG whose header checksum is wrong', async () => {
    const png = Buffer.from(await digitPng());
    png.writeUInt32BE(png.readUInt32BE(29) ^ 1, 29);

    expect((await rejection(png)).code).toBe('corrupt-image');
  });

  it('should read the size of a BMP from its header', async () => {
    const bytes = encodeBmp(await digitRgba(), SYNTHETIC_SIZE, SYNTHETIC_SIZE, {
      bitsPerPixel: 24,
    });

    const sut = await inspectImage(bytes, LIMITS);

    expect(sut).toEqual({ format: 'bmp', width: SYNTHETIC_SIZE, height: SYNTHETIC_SIZE });
  });

  it('should take the format from the bytes, not from what the sender called them', async () => {
    const bytes = await sharp(digitSvg()).webp().toBuffer();

    const sut = await inspectImage(bytes, LIMITS);

    expect(sut.format).toBe('webp');
  });

  it('should refuse an empty file', async () => {
    const error = await rejection(new Uint8Array(0));

    expect(error.code).toBe<ImageRejectionCode>('empty-file');
    expect(error.message).toMatch(/empty/);
  });

  it('should refuse SVG without rendering it, listing the accepted formats', async () => {
    const error = await rejection(digitSvg());

    expect(error.code).toBe<ImageRejectionCode>('unsupported-format');
    expect(error.message).toBe('SVG is not supported; supported: PNG, JPEG, WebP, GIF, BMP, TIFF.');
  });

  it('should refuse PDF', async () => {
    const error = await rejection(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'));

    expect(error.code).toBe<ImageRejectionCode>('unsupported-format');
    expect(error.message).toMatch(/^PDF is not supported/);
  });

  it('should refuse a header claiming more pixels than the limit, naming the limit', async () => {
    const bytes = await pngClaimingSize(50_000, 50_000);

    const error = await rejection(bytes);

    expect(error.code).toBe<ImageRejectionCode>('too-many-pixels');
    expect(error.message).toBe(
      'The image is 50000x50000 pixels (2,500,000,000); the limit is 40,000,000 pixels. ' +
        'Scale it down and send it again.',
    );
  });

  it('should apply the limit it is given', async () => {
    const error = await rejection(await digitPng(), { maxPixels: 100 });

    expect(error.code).toBe<ImageRejectionCode>('too-many-pixels');
  });

  it('should refuse a PNG cut short', async () => {
    const bytes = (await digitPng()).subarray(0, 200);

    const error = await rejection(bytes);

    expect(error.code).toBe<ImageRejectionCode>('corrupt-image');
    expect(error.message).toMatch(/truncated/);
  });

  it('should refuse at upload a BMP the decoder cannot read: RLE, cut short, masks missing', async () => {
    const rgba = await digitRgba();
    const rle = encodeBmp(rgba, SYNTHETIC_SIZE, SYNTHETIC_SIZE, {
      bitsPerPixel: 8,
      compression: 1,
    });
    const whole = encodeBmp(rgba, SYNTHETIC_SIZE, SYNTHETIC_SIZE, { bitsPerPixel: 24 });
    const withoutMasks = Buffer.from(whole.subarray(0, 58));
    withoutMasks.writeUInt32LE(0, 10);
    withoutMasks.writeInt32LE(1, 18);
    withoutMasks.writeInt32LE(1, 22);
    withoutMasks.writeUInt16LE(32, 28);
    withoutMasks.writeUInt32LE(3, 30);

    const errors = [
      await rejection(rle),
      await rejection(whole.subarray(0, 3000)),
      await rejection(withoutMasks),
    ];

    expect(errors.map((error) => error.code)).toEqual<ImageRejectionCode[]>([
      'unsupported-format',
      'corrupt-image',
      'corrupt-image',
    ]);
    expect(errors[0].message).toMatch(/RLE8 compression is not supported/);
    expect(errors[1].message).toMatch(/shorter than its header says/);
    expect(errors[2].message).toMatch(/masks are cut short/);
  });

  it('should still refuse a BMP bomb for its pixels rather than its missing data', async () => {
    const bytes = encodeBmp(await digitRgba(), SYNTHETIC_SIZE, SYNTHETIC_SIZE, {
      bitsPerPixel: 24,
    });
    bytes.writeInt32LE(30_000, 18);
    bytes.writeInt32LE(30_000, 22);

    const error = await rejection(bytes);

    expect(error.code).toBe<ImageRejectionCode>('too-many-pixels');
  });

  it('should keep decoder reasons, which may belong to another image, out of its message', () => {
    // libvips shares one error buffer across threads: a PNG failing beside a JPEG may be handed
    // the JPEG's reason.
    const sut = corruptImage('png', new Error('VipsJpeg: premature end of JPEG image'));

    expect(sut.message).toBe(
      'The PNG image is corrupt or truncated and cannot be decoded. Send the complete file.',
    );
  });

  it('should say that a PNG carries too much metadata, not that it is truncated', async () => {
    const png = await digitPng();
    const comment = Buffer.concat([
      Buffer.from('Comment\0\0', 'latin1'),
      deflateSync(Buffer.alloc(128 * 1024 * 1024)),
    ]);
    const chunk = pngChunk('zTXt', comment);
    const bytes = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);

    const error = await rejection(bytes);

    expect(error.code).toBe<ImageRejectionCode>('corrupt-image');
    expect(error.message).toMatch(/^The PNG image carries more metadata than is accepted/);
  });

  it('should refuse a JPEG cut short, though its header reads', async () => {
    const bytes = await sharp(digitSvg()).jpeg().toBuffer();

    const error = await rejection(bytes.subarray(0, bytes.length - 100));

    expect(error.code).toBe<ImageRejectionCode>('corrupt-image');
    expect(error.message).toMatch(/JPEG image is corrupt or truncated/);
  });

  it('should accept a JPEG with bytes after its end marker', async () => {
    const bytes = await sharp(digitSvg()).jpeg().toBuffer();

    const sut = await inspectImage(Buffer.concat([bytes, Buffer.alloc(64)]), LIMITS);

    expect(sut.format).toBe('jpeg');
  });

  it('should refuse a JPEG whose header is garbage', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(64, 7)]);

    const error = await rejection(bytes);

    expect(error.code).toBe<ImageRejectionCode>('corrupt-image');
  });
});

(sharedFolder ? describe : describe.skip)(
  `${inspectImage.name} on ../shared/cases${sharedFolder ? '' : ` (${SHARED_FOLDER_MISSING})`}`,
  () => {
    const readCase = (name: string) => readFileSync(join(sharedFolder ?? '', 'cases', name));

    it.each([
      ['invalid_zero-bytes.png', 'empty-file', /empty/],
      ['invalid_text-named.png', 'unsupported-format', /^Text is not supported; supported: PNG/],
      ['invalid_truncated.png', 'corrupt-image', /corrupt or truncated/],
      ['bomb_20000x20000.png', 'too-many-pixels', /20000x20000.*limit is 40,000,000 pixels/],
    ])('should refuse %s with %s', async (name, code, message) => {
      const error = await rejection(readCase(name));

      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });

    it('should refuse the decompression bomb from its header, quickly and without decoding', async () => {
      const bytes = readCase('bomb_20000x20000.png');
      const rssBefore = process.memoryUsage().rss;
      const startedAt = Date.now();

      await rejection(bytes);

      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(50 * 1024 * 1024);
    });

    it.each([
      ['0_webp-content-named.jpg', 'webp'],
      ['9_cmyk.jpg', 'jpeg'],
      ['3_sixteen-bit-grayscale.png', 'png'],
    ])('should accept %s as %s', async (name, format) => {
      const sut = await inspectImage(readCase(name), LIMITS);

      expect(sut.format).toBe(format);
    });
  },
);
