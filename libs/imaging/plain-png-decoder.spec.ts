import { deflateSync } from 'node:zlib';

import sharp from 'sharp';

import { decodeImage } from './decode-image';
import { pngChunk } from './grey-png';
import { ImageRejectedError } from './image-rejected-error';
import { DEFAULT_MAX_PIXELS } from './inspect-image';
import { decodePlainPng } from './plain-png-decoder';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LIMITS = { maxPixels: DEFAULT_MAX_PIXELS };
// Odd sizes, so that rows of packed low-depth samples end part-way through a byte.
const WIDTH = 13;
const HEIGHT = 7;
const FILTER_TYPES = [0, 1, 2, 3, 4];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface TestPng {
  colourType: number;
  bitDepth: number;
  /** Filter of each row (cycled); a single value filters every row alike. */
  filters: number[];
  palette?: Buffer;
  transparency?: Buffer;
  extraChunks?: Buffer[];
  idatPieces?: number;
  interlace?: number;
  /** Palette indices drawn from 0 to this (exclusive); the palette's size unless given. */
  indexRange?: number;
}

/** Deterministic, varied samples: every value of the bit depth appears. */
function samplesFor(png: TestPng): Uint8Array {
  const rowBytes = Math.ceil((WIDTH * CHANNELS[png.colourType] * png.bitDepth) / 8);
  const samples = new Uint8Array(rowBytes * HEIGHT);
  const paletteEntries = png.indexRange ?? (png.palette ? png.palette.length / 3 : 256);
  let seed = 7;
  for (let index = 0; index < samples.length; index++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    samples[index] = seed >> 16;
  }
  if (png.colourType === 3 && png.bitDepth === 8) {
    samples.forEach((value, index) => (samples[index] = value % paletteEntries));
  }
  return samples;
}

function filterRows(samples: Uint8Array, rowBytes: number, png: TestPng): Buffer {
  const pixelBytes = Math.max(1, (CHANNELS[png.colourType] * png.bitDepth) / 8);
  const out = Buffer.alloc((rowBytes + 1) * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    const filter = png.filters[y % png.filters.length];
    out[y * (rowBytes + 1)] = filter;
    for (let x = 0; x < rowBytes; x++) {
      const raw = samples[y * rowBytes + x];
      const a = x >= pixelBytes ? samples[y * rowBytes + x - pixelBytes] : 0;
      const b = y > 0 ? samples[(y - 1) * rowBytes + x] : 0;
      const c = y > 0 && x >= pixelBytes ? samples[(y - 1) * rowBytes + x - pixelBytes] : 0;
      const predictions = [0, a, b, (a + b) >> 1, paeth(a, b, c)];
      out[y * (rowBytes + 1) + 1 + x] = (raw - predictions[filter]) & 0xff;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function encodePng(png: TestPng): Buffer {
  const rowBytes = Math.ceil((WIDTH * CHANNELS[png.colourType] * png.bitDepth) / 8);
  const compressed = deflateSync(filterRows(samplesFor(png), rowBytes, png));
  const pieces = png.idatPieces ?? 1;
  const pieceLength = Math.ceil(compressed.length / pieces);
  const idats = Array.from({ length: pieces }, (_, piece) =>
    pngChunk('IDAT', compressed.subarray(piece * pieceLength, (piece + 1) * pieceLength)),
  );

  const header = Buffer.alloc(13);
  header.writeUInt32BE(WIDTH, 0);
  header.writeUInt32BE(HEIGHT, 4);
  header.set([png.bitDepth, png.colourType, 0, 0, png.interlace ?? 0], 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    ...(png.extraChunks ?? []),
    ...(png.palette ? [pngChunk('PLTE', png.palette)] : []),
    ...(png.transparency ? [pngChunk('tRNS', png.transparency)] : []),
    ...idats,
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** What decodeImage's sharp pipeline makes of the same bytes. */
async function decodeWithSharp(bytes: Buffer): Promise<Uint8Array> {
  const data = await sharp(bytes, { failOn: 'truncated' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer();
  return new Uint8Array(data);
}

function palette(entries: number): Buffer {
  return Buffer.from(Array.from({ length: entries * 3 }, (_, index) => (index * 37 + 11) & 0xff));
}

const PLAIN_PNGS: Record<string, Omit<TestPng, 'filters'>> = {
  'grey, 8 bits': { colourType: 0, bitDepth: 8 },
  'grey, 1 bit': { colourType: 0, bitDepth: 1 },
  'grey, 2 bits': { colourType: 0, bitDepth: 2 },
  'grey, 4 bits': { colourType: 0, bitDepth: 4 },
  'grey with a colour key': { colourType: 0, bitDepth: 8, transparency: Buffer.from([0, 200]) },
  'grey and alpha': { colourType: 4, bitDepth: 8 },
  RGB: { colourType: 2, bitDepth: 8 },
  'RGB with a colour key': {
    colourType: 2,
    bitDepth: 8,
    transparency: Buffer.from([0, 1, 0, 2, 0, 3]),
  },
  RGBA: { colourType: 6, bitDepth: 8 },
  'palette, 8 bits': { colourType: 3, bitDepth: 8, palette: palette(200) },
  'palette, 4 bits': { colourType: 3, bitDepth: 4, palette: palette(16) },
  'palette, 2 bits': { colourType: 3, bitDepth: 2, palette: palette(4) },
  'palette, 1 bit': { colourType: 3, bitDepth: 1, palette: palette(2) },
  'palette with alpha for some entries': {
    colourType: 3,
    bitDepth: 8,
    palette: palette(256),
    transparency: Buffer.from([0, 64, 128, 255, 3]),
  },
  'RGB with gamma, chromaticities and physical size': {
    colourType: 2,
    bitDepth: 8,
    extraChunks: [
      pngChunk('gAMA', Buffer.from([0, 0, 0xb1, 0x8f])),
      pngChunk('cHRM', Buffer.alloc(32, 1)),
      pngChunk('pHYs', Buffer.from([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1])),
    ],
  },
};

describe(decodePlainPng.name, () => {
  describe.each(Object.entries(PLAIN_PNGS))('%s', (_, png) => {
    it.each(FILTER_TYPES)('should decode rows with filter %i as sharp does', async (filter) => {
      const bytes = encodePng({ ...png, filters: [filter] });

      const sut = decodePlainPng(bytes);

      expect(sut).toBeDefined();
      expect({ width: sut?.width, height: sut?.height }).toEqual({ width: WIDTH, height: HEIGHT });
      expect(Buffer.from(sut?.data ?? [])).toEqual(Buffer.from(await decodeWithSharp(bytes)));
    });
  });

  it('should decode mixed filters over several IDAT chunks as sharp does', async () => {
    const bytes = encodePng({
      colourType: 6,
      bitDepth: 8,
      filters: [4, 0, 3, 1, 2],
      idatPieces: 3,
    });

    const sut = decodePlainPng(bytes);

    expect(Buffer.from(sut?.data ?? [])).toEqual(Buffer.from(await decodeWithSharp(bytes)));
  });

  it('should decode a PNG that sharp wrote as sharp reads it', async () => {
    const rgba = Buffer.from(samplesFor({ colourType: 6, bitDepth: 8, filters: [0] }));
    const raw = { width: WIDTH, height: HEIGHT, channels: 4 as const };
    const bytes = await sharp(rgba, { raw }).png({ adaptiveFiltering: true }).toBuffer();

    const sut = decodePlainPng(bytes);

    expect(Buffer.from(sut?.data ?? [])).toEqual(Buffer.from(await decodeWithSharp(bytes)));
  });

  it.each([
    ['interlaced', { colourType: 0, bitDepth: 8, filters: [0], interlace: 1 }],
    ['16-bit', { colourType: 0, bitDepth: 16, filters: [0] }],
    [
      'with a text chunk',
      {
        colourType: 0,
        bitDepth: 8,
        filters: [0],
        extraChunks: [pngChunk('tEXt', Buffer.from('Comment\0x', 'latin1'))],
      },
    ],
    [
      'with an EXIF chunk',
      {
        colourType: 2,
        bitDepth: 8,
        filters: [0],
        extraChunks: [pngChunk('eXIf', Buffer.from('MM\0*\0\0\0\x08\0\0', 'latin1'))],
      },
    ],
    [
      'with a palette index out of range',
      {
        colourType: 3,
        bitDepth: 8,
        filters: [0],
        palette: palette(3),
        indexRange: 5,
      },
    ],
    // Found by differential fuzzing against sharp: files whose reading readers disagree on.
    [
      'with a grey colour key wider than its bit depth',
      { colourType: 0, bitDepth: 8, filters: [0], transparency: Buffer.from([1, 0]) },
    ],
    [
      'with a 1-bit grey colour key of 2',
      { colourType: 0, bitDepth: 1, filters: [0], transparency: Buffer.from([0, 2]) },
    ],
    [
      'with an RGB colour key wider than its bit depth',
      { colourType: 2, bitDepth: 8, filters: [0], transparency: Buffer.from([1, 0, 1, 0, 1, 0]) },
    ],
    [
      'with more palette alphas than palette entries',
      {
        colourType: 3,
        bitDepth: 8,
        filters: [0],
        palette: palette(4),
        transparency: Buffer.from([1, 2, 3, 4, 5]),
      },
    ],
    [
      'with palette alphas before the palette',
      {
        colourType: 3,
        bitDepth: 8,
        filters: [0],
        palette: palette(4),
        extraChunks: [pngChunk('tRNS', Buffer.from([0, 128]))],
      },
    ],
    [
      'with a background colour before the palette',
      {
        colourType: 3,
        bitDepth: 8,
        filters: [0],
        palette: palette(4),
        extraChunks: [pngChunk('bKGD', Buffer.from([1]))],
      },
    ],
    [
      'in true colour with a palette',
      { colourType: 2, bitDepth: 8, filters: [0], palette: palette(4) },
    ],
    [
      'with more palette entries than its bit depth can index',
      { colourType: 3, bitDepth: 1, filters: [0], palette: palette(3), indexRange: 2 },
    ],
    [
      'split into thousands of IDAT chunks',
      { colourType: 0, bitDepth: 8, filters: [0], idatPieces: 2000 },
    ],
  ] as [string, TestPng][])('should leave a PNG %s to sharp', (_, png) => {
    const bytes = encodePng(png);

    const sut = decodePlainPng(bytes);

    expect(sut).toBeUndefined();
  });

  it('should leave a PNG with a damaged checksum or zlib stream to sharp', () => {
    const bytes = encodePng({ colourType: 0, bitDepth: 8, filters: [0] });
    const badChecksum = Buffer.from(bytes);
    badChecksum[badChecksum.length - 13] ^= 0xff; // last byte of IDAT's CRC
    const badStream = Buffer.from(bytes);
    const idatData = badStream.indexOf('IDAT') + 4;
    badStream.fill(0xff, idatData + 2, idatData + 6);

    expect(decodePlainPng(badChecksum)).toBeUndefined();
    expect(decodePlainPng(badStream)).toBeUndefined();
  });
});

describe(`${decodeImage.name} of plain PNGs`, () => {
  it('should give what the sharp pipeline gives, whole and upright', async () => {
    const bytes = encodePng({ colourType: 2, bitDepth: 8, filters: [1, 4] });

    const sut = await decodeImage(bytes, { limits: LIMITS, maxSide: 640 });

    expect(Buffer.from(sut.data)).toEqual(Buffer.from(await decodeWithSharp(bytes)));
    expect(sut).toMatchObject({
      width: WIDTH,
      height: HEIGHT,
      uprightWidth: WIDTH,
      uprightHeight: HEIGHT,
      region: { left: 0, top: 0, width: WIDTH, height: HEIGHT },
      source: { format: 'png', width: WIDTH, height: HEIGHT },
    });
  });

  it('should still refuse a PNG whose pixel data cannot be inflated as corrupt', async () => {
    const bytes = encodePng({ colourType: 0, bitDepth: 8, filters: [0] });
    const idatData = bytes.indexOf('IDAT') + 4;
    const damaged = Buffer.concat([
      bytes.subarray(0, idatData - 8),
      pngChunk('IDAT', Buffer.alloc(bytes.readUInt32BE(idatData - 8), 0xff)),
      bytes.subarray(bytes.indexOf('IEND') - 4),
    ]);

    const error: unknown = await decodeImage(damaged, { limits: LIMITS }).catch(
      (reason: unknown) => reason,
    );

    expect(error).toBeInstanceOf(ImageRejectedError);
    expect((error as ImageRejectedError).code).toBe('corrupt-image');
  });
});
