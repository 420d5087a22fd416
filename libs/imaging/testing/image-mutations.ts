import { crc32 } from 'node:zlib';

import sharp from 'sharp';

import { digitRgba, encodeBmp, SYNTHETIC_SIZE } from './synthetic-digit';

/** A real image of the synthetic digit in one of the accepted formats, to be mutated. */
export interface SeedImage {
  name: string;
  bytes: Buffer;
}

/** One fuzz input: the bytes, and how they were made (for the report of a failure). */
export interface FuzzInput {
  name: string;
  bytes: Buffer;
  mutation: string;
}

/** A small seeded generator (mulberry32): the same seed gives the same inputs on every run. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let mixed = this.state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, max). */
  integer(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.integer(items.length)];
  }

  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.integer(256)));
  }
}

/** Magic numbers of the accepted formats, for random bodies that pass format detection. */
const MAGIC_NUMBERS: Record<string, Buffer> = {
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  webp: Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'),
  gif: Buffer.from('GIF89a', 'latin1'),
  bmp: Buffer.from('BM', 'latin1'),
  tiff: Buffer.from([0x49, 0x49, 0x2a, 0x00]),
};

/** Values that break size and offset fields: zero, one, the signed and unsigned extremes. */
const EXTREME_BYTES = [
  [0x00, 0x00, 0x00, 0x00],
  [0x00, 0x00, 0x00, 0x01],
  [0x7f, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff],
  [0x80, 0x00, 0x00, 0x00],
  [0x00, 0x01, 0x00, 0x00],
];

/**
 * The synthetic digit in every accepted format and the variants that exercise different decoder
 * paths (palette, 16-bit, interlaced, progressive, CMYK, lossless, alpha, multi-page, BMP depths).
 * Small (`side` pixels) so that thousands of mutants decode quickly.
 */
export async function createSeedImages(side = 64): Promise<SeedImage[]> {
  const rgba = await sharp(await digitRgba(), {
    raw: { width: SYNTHETIC_SIZE, height: SYNTHETIC_SIZE, channels: 4 },
  })
    .resize(side, side)
    .raw()
    .toBuffer();
  const image = () => sharp(rgba, { raw: { width: side, height: side, channels: 4 } });
  const opaque = () => image().flatten({ background: '#ffffff' });
  const twoPages = Buffer.concat([rgba, Buffer.alloc(rgba.length, 255)]);
  const animation = () =>
    sharp(twoPages, { raw: { width: side, height: side * 2, channels: 4, pageHeight: side } });

  const encoded: Array<[string, Promise<Buffer>]> = [
    ['rgba.png', image().png().toBuffer()],
    ['grey.png', opaque().greyscale().png().toBuffer()],
    ['palette.png', opaque().png({ palette: true, colours: 8 }).toBuffer()],
    ['sixteen-bit.png', opaque().toColourspace('grey16').png().toBuffer()],
    ['interlaced.png', image().png({ progressive: true }).toBuffer()],
    ['baseline.jpg', opaque().jpeg().toBuffer()],
    ['progressive.jpg', opaque().jpeg({ progressive: true }).toBuffer()],
    ['cmyk.jpg', opaque().toColourspace('cmyk').jpeg().toBuffer()],
    ['rotated.jpg', opaque().jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['lossy.webp', image().webp().toBuffer()],
    ['lossless.webp', image().webp({ lossless: true }).toBuffer()],
    [
      'animated.webp',
      animation()
        .webp({ delay: [100, 100] })
        .toBuffer(),
    ],
    [
      'animated.gif',
      animation()
        .gif({ delay: [100, 100] })
        .toBuffer(),
    ],
    ['lzw.tif', opaque().tiff({ compression: 'lzw' }).toBuffer()],
    ['multi-page.tif', animation().tiff().toBuffer()],
  ];
  const seeds = await Promise.all(
    encoded.map(async ([name, bytes]) => ({ name, bytes: await bytes })),
  );

  for (const bitsPerPixel of [8, 24, 32] as const) {
    const bytes = encodeBmp(rgba, side, side, { bitsPerPixel, isTopDown: bitsPerPixel === 32 });
    seeds.push({ name: `${bitsPerPixel}-bit.bmp`, bytes });
  }
  return seeds;
}

type Mutator = (bytes: Buffer, random: SeededRandom, donor: Buffer) => Buffer;

/** Every way an input is damaged; each mimics a real failure or a known attack on decoders. */
const MUTATORS: Record<string, Mutator> = {
  'bit-flips': (bytes, random) => {
    const copy = Buffer.from(bytes);
    for (let flips = 1 + random.integer(8); flips > 0; flips--) {
      copy[random.integer(copy.length)] ^= 1 << random.integer(8);
    }
    return copy;
  },
  'random-bytes': (bytes, random) => {
    const copy = Buffer.from(bytes);
    const start = random.integer(copy.length);
    random.bytes(1 + random.integer(32)).copy(copy, start);
    return copy;
  },
  truncation: (bytes, random) => bytes.subarray(0, random.integer(bytes.length)),
  'header-field': (bytes, random) => {
    // Sizes, offsets and counts live in the first bytes of every format.
    const copy = Buffer.from(bytes);
    const offset = random.integer(Math.min(copy.length, 64));
    Buffer.from(random.pick(EXTREME_BYTES)).copy(copy, offset);
    return copy;
  },
  'chunk-splice': (bytes, random, donor) => {
    const from = random.integer(donor.length);
    const slice = donor.subarray(from, from + 1 + random.integer(512));
    const at = random.integer(bytes.length);
    return Buffer.concat([bytes.subarray(0, at), slice, bytes.subarray(at)]);
  },
  'chunk-removal': (bytes, random) => {
    const at = random.integer(bytes.length);
    return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + random.integer(256))]);
  },
  'png-chunk-with-valid-crc': (bytes, random) => mutatePngChunk(bytes, random),
  'random-body-with-magic': (bytes, random) =>
    Buffer.concat([random.pick(Object.values(MAGIC_NUMBERS)), random.bytes(random.integer(2048))]),
};

/** Names of the mutations, in the order `mutateImage` may pick them. */
export const MUTATION_NAMES = Object.keys(MUTATORS);

/** Damages one seed in one way chosen by `random`; `donors` supply bytes for splices. */
export function mutateImage(
  seed: SeedImage,
  random: SeededRandom,
  donors: readonly SeedImage[],
): FuzzInput {
  const mutation = random.pick(MUTATION_NAMES);
  const bytes = MUTATORS[mutation](seed.bytes, random, random.pick(donors).bytes);
  return { name: `${mutation}-${seed.name}`, bytes, mutation };
}

/** The first `count` inputs of the sequence that `seed` defines, always the same ones. */
export function generateFuzzInputs(
  seeds: readonly SeedImage[],
  count: number,
  seed: number,
): FuzzInput[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const input = mutateImage(random.pick(seeds), random, seeds);
    return { ...input, name: `${index}-${input.name}` };
  });
}

/**
 * Changes the data of one PNG chunk and writes its CRC again, so decoders that check CRCs get
 * past them and meet the bad values themselves. Other formats get their bits flipped instead.
 */
function mutatePngChunk(bytes: Buffer, random: SeededRandom): Buffer {
  if (!bytes.subarray(0, 8).equals(MAGIC_NUMBERS.png)) {
    return MUTATORS['bit-flips'](bytes, random, bytes);
  }

  const chunks: Array<{ start: number; length: number }> = [];
  for (let offset = 8; offset + 12 <= bytes.length;) {
    const length = bytes.readUInt32BE(offset);
    chunks.push({ start: offset, length });
    offset += 12 + length;
  }
  const copy = Buffer.from(bytes);
  const chunk = random.pick(chunks);
  if (chunk.length > 0 && chunk.start + 12 + chunk.length <= copy.length) {
    const dataStart = chunk.start + 8;
    const at = dataStart + random.integer(chunk.length);
    copy[at] = random.pick([0x00, 0xff, copy[at] ^ 0x80, random.integer(256)]);
    const crc = crc32(copy.subarray(chunk.start + 4, dataStart + chunk.length));
    copy.writeUInt32BE(crc, dataStart + chunk.length);
  }
  return copy;
}
