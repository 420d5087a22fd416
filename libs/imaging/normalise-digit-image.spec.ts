import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';

import { ImageRejectedError } from './image-rejected-error';
import { DEFAULT_MAX_PIXELS } from './inspect-image';
import { DIGIT_IMAGE_SIZE, NormalisedDigit, normaliseDigitImage } from './normalise-digit-image';
import { findSharedFolder, SHARED_FOLDER_MISSING } from './testing/shared-folder';
import {
  DigitDrawing,
  digitPng,
  digitRgba,
  digitSvg,
  encodeBmp,
  SYNTHETIC_SIZE,
} from './testing/synthetic-digit';

const LIMITS = { maxPixels: DEFAULT_MAX_PIXELS };
const sharedFolder = findSharedFolder();
const sharedSuffix = sharedFolder ? '' : ` (${SHARED_FOLDER_MISSING})`;

/** Checks that a result looks like an MNIST digit: white ink, centred, on a black frame. */
function expectMnistLike(digit: NormalisedDigit): void {
  expect(digit.isBlank).toBe(false);
  expect(digit.pixels).toHaveLength(DIGIT_IMAGE_SIZE * DIGIT_IMAGE_SIZE);
  expect(digit.preview).toHaveLength(DIGIT_IMAGE_SIZE * DIGIT_IMAGE_SIZE);

  const { mass, centreX, centreY, borderMean } = measure(digit.pixels);
  // Summed ink of MNIST test digits: about 37 for a thin 1 (10th percentile), 120 for a 0.
  expect(mass).toBeGreaterThan(25);
  expect(mass).toBeLessThan(250);
  expect(Math.abs(centreX - 14)).toBeLessThan(1);
  expect(Math.abs(centreY - 14)).toBeLessThan(1);
  expect(borderMean).toBeLessThan(0.05);
}

function measure(pixels: Float32Array) {
  let mass = 0;
  let sumX = 0;
  let sumY = 0;
  let borderSum = 0;
  let borderCount = 0;
  for (let y = 0; y < DIGIT_IMAGE_SIZE; y++) {
    for (let x = 0; x < DIGIT_IMAGE_SIZE; x++) {
      const value = pixels[y * DIGIT_IMAGE_SIZE + x];
      mass += value;
      sumX += value * x;
      sumY += value * y;
      if (x < 3 || y < 3 || x >= DIGIT_IMAGE_SIZE - 3 || y >= DIGIT_IMAGE_SIZE - 3) {
        borderSum += value;
        borderCount++;
      }
    }
  }
  return { mass, centreX: sumX / mass, centreY: sumY / mass, borderMean: borderSum / borderCount };
}

function meanAbsoluteDifference(first: Float32Array, second: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < first.length; index++) {
    sum += Math.abs(first[index] - second[index]);
  }
  return sum / first.length;
}

async function rejectionOf(bytes: Uint8Array): Promise<ImageRejectedError> {
  const error: unknown = await normaliseDigitImage(bytes, LIMITS).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ImageRejectedError);
  return error as ImageRejectedError;
}

/** Stores `upright` so that a viewer honouring EXIF `orientation` shows it upright again. */
async function storedForOrientation(upright: Buffer, orientation: number): Promise<Buffer> {
  const turn = async (bytes: Buffer, angle: number) => sharp(bytes).rotate(angle).png().toBuffer();
  const stored: Record<number, () => Promise<Buffer>> = {
    1: async () => upright,
    2: async () => sharp(upright).flop().png().toBuffer(),
    3: async () => turn(upright, 180),
    4: async () => sharp(upright).flip().png().toBuffer(),
    5: async () =>
      sharp(await turn(upright, 90))
        .flop()
        .png()
        .toBuffer(),
    6: async () => turn(upright, 270),
    7: async () =>
      sharp(await turn(upright, 270))
        .flop()
        .png()
        .toBuffer(),
    8: async () => turn(upright, 90),
  };
  return sharp(await stored[orientation]())
    .withMetadata({ orientation })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** The digit followed by a page of something else, as an animated or multi-page image. */
async function joinPages(encode: (pages: sharp.Sharp) => sharp.Sharp): Promise<Buffer> {
  const digit = await digitPng();
  const other = await digitPng({ ink: '#fff', paper: '#000', strokeWidth: 30 });
  return encode(sharp([digit, other], { join: { animated: true } })).toBuffer();
}

describe(normaliseDigitImage.name, () => {
  let reference: NormalisedDigit;

  beforeAll(async () => {
    reference = await normaliseDigitImage(await digitPng(), LIMITS);
  });

  it('should turn a dark digit on light paper into a centred white digit on black', () => {
    expectMnistLike(reference);
    expect(reference.polarity).toBe('dark-on-light');
  });

  it('should give the same digit for a light digit on dark paper', async () => {
    const bytes = await digitPng({ ink: '#eee', paper: '#151515' });

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.polarity).toBe('light-on-dark');
    expect(meanAbsoluteDifference(sut.pixels, reference.pixels)).toBeLessThan(0.03);
  });

  const variants: [string, () => Promise<Buffer>][] = [
    [
      '16-bit greyscale PNG',
      async () => sharp(digitSvg()).toColourspace('grey16').png().toBuffer(),
    ],
    ['palette PNG', async () => sharp(digitSvg()).png({ palette: true, colours: 4 }).toBuffer()],
    [
      'grey + alpha PNG, black ink on transparent black',
      async () =>
        sharp(digitSvg({ ink: '#000', paper: 'none' }))
          .toColourspace('b-w')
          .png()
          .toBuffer(),
    ],
    [
      'RGBA PNG, white ink on transparent white',
      async () => {
        const rgba = await digitRgba({ ink: '#fff', paper: 'none' });
        for (let index = 0; index < rgba.length; index += 4) {
          rgba.fill(255, index, index + 3);
        }
        const raw = { width: SYNTHETIC_SIZE, height: SYNTHETIC_SIZE, channels: 4 as const };
        return sharp(rgba, { raw }).png().toBuffer();
      },
    ],
    ['interlaced PNG', async () => sharp(digitSvg()).png({ progressive: true }).toBuffer()],
    ['CMYK JPEG', async () => sharp(digitSvg()).toColourspace('cmyk').jpeg().toBuffer()],
    ['JPEG', async () => sharp(digitSvg()).jpeg({ quality: 80 }).toBuffer()],
    ['WebP', async () => sharp(digitSvg()).webp().toBuffer()],
    ['GIF', async () => sharp(digitSvg()).gif().toBuffer()],
    [
      'GIF with a transparent background',
      async () =>
        sharp(digitSvg({ paper: 'none' }))
          .gif()
          .toBuffer(),
    ],
    ['TIFF', async () => sharp(digitSvg()).tiff().toBuffer()],
    ['CMYK TIFF', async () => sharp(digitSvg()).toColourspace('cmyk').tiff().toBuffer()],
    [
      '16-bit RGBA PNG, black ink on transparent black',
      async () =>
        sharp(digitSvg({ ink: '#000', paper: 'none' }))
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
    ],
    [
      'WebP stored with EXIF orientation 6',
      async () =>
        sharp(
          await sharp(await digitPng())
            .rotate(270)
            .toBuffer(),
        )
          .withMetadata({ orientation: 6 })
          .webp()
          .toBuffer(),
    ],
    ['animated GIF (first frame)', async () => joinPages((frames) => frames.gif())],
    ['multi-page TIFF (first page)', async () => joinPages((pages) => pages.tiff())],
    [
      '24-bit BMP',
      async () =>
        encodeBmp(await digitRgba(), SYNTHETIC_SIZE, SYNTHETIC_SIZE, { bitsPerPixel: 24 }),
    ],
    [
      '8-bit top-down BMP',
      async () =>
        encodeBmp(await digitRgba(), SYNTHETIC_SIZE, SYNTHETIC_SIZE, {
          bitsPerPixel: 8,
          isTopDown: true,
        }),
    ],
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((orientation): [string, () => Promise<Buffer>] => [
      `JPEG stored with EXIF orientation ${orientation}`,
      async () => storedForOrientation(await digitPng(), orientation),
    ]),
  ];

  it.each(variants)('should read the same digit encoded as %s', async (_, encode) => {
    const bytes = await encode();

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expectMnistLike(sut);
    expect(meanAbsoluteDifference(sut.pixels, reference.pixels)).toBeLessThan(0.03);
  });

  const gridLines = Array.from({ length: 12 }, (_, index) => {
    const at = index * 16 + 4;
    return (
      `<line x1="${at}" y1="0" x2="${at}" y2="200" stroke="#a0b0c0" stroke-width="1.5"/>` +
      `<line x1="0" y1="${at}" x2="200" y2="${at}" stroke="#a0b0c0" stroke-width="1.5"/>`
    );
  }).join('');
  const scenes: [string, DigitDrawing][] = [
    ['on squared paper', { scenery: gridLines }],
    [
      'on ruled paper with lines as dark as the ink',
      {
        paper: '#fff',
        scenery: Array.from(
          { length: 11 },
          (_, index) =>
            `<line x1="0" y1="${index * 15 + 6}" x2="160" y2="${index * 15 + 6}" ` +
            'stroke="#333" stroke-width="1.5"/>',
        ).join(''),
      },
    ],
    [
      'between dark bands at the edges of a scan',
      {
        paper: '#fff',
        scenery:
          '<rect width="12" height="160" fill="#333"/><rect x="148" width="12" height="160" ' +
          'fill="#333"/><rect x="30" y="20" width="100" height="125" fill="#ddd"/>',
      },
    ],
    [
      'on paper lying askew on a dark table',
      {
        paper: '#3a2a1a',
        scenery: '<rect x="16" y="-6" width="170" height="152" fill="#eee" transform="rotate(4)"/>',
      },
    ],
    [
      'under uneven light and a shadow',
      {
        scenery:
          '<defs><linearGradient id="light" x2="1" y2="1"><stop offset="0" stop-color="#eee"/>' +
          '<stop offset="1" stop-color="#666"/></linearGradient></defs>' +
          '<rect width="100%" height="100%" fill="url(#light)"/>' +
          '<polygon points="0,0 160,0 0,160" fill="#000" fill-opacity="0.25"/>',
      },
    ],
    [
      'under a strong vignette',
      {
        scenery:
          '<defs><radialGradient id="vignette"><stop offset="0.4" stop-color="#ddd"/>' +
          '<stop offset="1" stop-color="#333"/></radialGradient></defs>' +
          '<rect width="100%" height="100%" fill="url(#vignette)"/>',
      },
    ],
    ['in green marker on yellow paper', { ink: '#1f4f40', paper: '#d8d070', strokeWidth: 16 }],
    ['in light-blue ink', { ink: '#7fa8e8', paper: '#fff' }],
    ['in faint pencil', { ink: '#b0b0b0', paper: '#e0e0e0', strokeWidth: 3 }],
    ['in white chalk on a blackboard', { ink: '#e8e8e0', paper: '#2b3a2e' }],
    [
      'small in a large canvas',
      { strokeWidth: 2, canvas: { width: 2400, height: 1600 }, offset: { x: 1500, y: 900 } },
    ],
  ];

  it.each(scenes)('should read a digit drawn %s', async (_, drawing) => {
    const bytes = await digitPng(drawing);

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expectMnistLike(sut);
    expect(meanAbsoluteDifference(sut.pixels, reference.pixels)).toBeLessThan(0.06);
  });

  const framedScenes: [string, DigitDrawing][] = [
    [
      'in a dark box',
      {
        scenery:
          '<rect x="14" y="12" width="132" height="136" fill="none" stroke="#222" stroke-width="4"/>',
      },
    ],
    [
      'in a circle',
      { scenery: '<circle cx="80" cy="82" r="72" fill="none" stroke="#222" stroke-width="3"/>' },
    ],
    [
      'in a box open at the top',
      { scenery: '<path d="M14 20 V148 H146 V20" fill="none" stroke="#222" stroke-width="4"/>' },
    ],
  ];

  it.each(framedScenes)('should set aside the frame of a digit drawn %s', async (_, drawing) => {
    const bytes = await digitPng(drawing);

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expectMnistLike(sut);
    expect(meanAbsoluteDifference(sut.pixels, reference.pixels)).toBeLessThan(0.03);
    expect(sut.inkBox).toEqual(reference.inkBox);
    expect(sut.strokeDoubt).toBeUndefined();
  });

  const ring = (x: number, y: number, radius: number) =>
    `<circle cx="${x}" cy="${y}" r="${radius}" fill="none" stroke="#111" stroke-width="12"/>`;
  const speck = (x: number, y: number) => `<circle cx="${x}" cy="${y}" r="5" fill="#111"/>`;
  it.each([
    [
      'a 0 with a speck inside',
      '<ellipse cx="80" cy="85" rx="32" ry="50" fill="none" stroke="#111" stroke-width="12"/>' +
        speck(80, 85),
      { left: 42, top: 29, width: 76, height: 112 },
    ],
    [
      'an 8 with specks in its loops',
      ring(80, 55, 22) + ring(80, 107, 28) + speck(80, 55) + speck(78, 110),
      { left: 46, top: 27, width: 68, height: 114 },
    ],
    [
      'a 6 with a speck in its loop',
      ring(80, 105, 28) +
        '<path d="M108 35 Q60 40 52 105" fill="none" stroke="#111" stroke-width="12"/>' +
        speck(82, 104),
      { left: 46, top: 29, width: 68, height: 110 },
    ],
  ])('should keep %s whole', async (_, scenery, inkBox) => {
    const bytes = await digitPng({ strokeWidth: 0, scenery });

    const sut = await normaliseDigitImage(bytes, LIMITS);

    const withinThreePixels = (value: number) => expect.closeTo(value, -0.5) as number;
    expect(sut.inkBox).toEqual({
      left: withinThreePixels(inkBox.left),
      top: withinThreePixels(inkBox.top),
      width: withinThreePixels(inkBox.width),
      height: withinThreePixels(inkBox.height),
    });
    expect(sut.strokeDoubt).toBeUndefined();
  });

  it('should read a fat-marker digit cropped so tightly that it touches the edges', async () => {
    const drawing = {
      strokeWidth: 30,
      canvas: { width: 100, height: 120 },
      offset: { x: -25, y: -20 },
    };
    const bytes = await digitPng(drawing);

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expectMnistLike(sut);
  });

  it('should say where the ink is in the upright image', async () => {
    const drawing = { canvas: { width: 2400, height: 1600 }, offset: { x: 1500, y: 900 } };
    const bytes = await storedForOrientation(await digitPng(drawing), 6);

    const sut = await normaliseDigitImage(bytes, LIMITS);

    // The "7" spans 45..115 × 40..130 before the offset, plus half the 12-pixel stroke.
    const withinFivePixels = (value: number) => expect.closeTo(value, -1) as number;
    expect(sut.inkBox).toEqual({
      left: withinFivePixels(1539),
      top: withinFivePixels(934),
      width: withinFivePixels(82),
      height: withinFivePixels(102),
    });
  });

  it('should keep a thin stroke in a large canvas visible', async () => {
    const bytes = await sharp(digitSvg({ strokeWidth: 1.5 }))
      .resize(1600, 1600, { kernel: 'nearest' })
      .png()
      .toBuffer();

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expectMnistLike(sut);
  });

  it.each([
    ['white', '#ffffff'],
    ['grey', '#8a8a8a'],
    ['black', '#000000'],
  ])('should report a plain %s image as blank', async (_, colour) => {
    const bytes = await sharp({
      create: { width: 300, height: 200, channels: 3, background: colour },
    })
      .png()
      .toBuffer();

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.isBlank).toBe(true);
    expect(sut.pixels.every((value) => value === 0)).toBe(true);
  });

  it.each([
    [
      'a soft shadow',
      '<defs><filter id="soft"><feGaussianBlur stdDeviation="12"/></filter></defs>' +
        '<circle cx="80" cy="80" r="45" fill="#777" filter="url(#soft)"/>',
    ],
    [
      'ruled lines',
      Array.from(
        { length: 10 },
        (_, index) =>
          `<line x1="0" y1="${index * 16 + 8}" x2="160" y2="${index * 16 + 8}" ` +
          'stroke="#8ab4e0" stroke-width="1.5"/>',
      ).join(''),
    ],
  ])('should report paper with %s and no digit as blank', async (_, scenery) => {
    const bytes = await sharp(digitSvg({ strokeWidth: 0, scenery }))
      .png()
      .toBuffer();

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.isBlank).toBe(true);
  });

  it('should report blank paper with faint noise as blank', async () => {
    const noise = Buffer.alloc(300 * 200);
    for (let index = 0; index < noise.length; index++) {
      noise[index] = 200 + ((index * 7919) % 9);
    }
    const bytes = await sharp(noise, { raw: { width: 300, height: 200, channels: 1 } })
      .jpeg()
      .toBuffer();

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.isBlank).toBe(true);
  });

  const hatching = Array.from(
    { length: 15 },
    (_, index) =>
      `<line x1="${index * 16 - 92}" y1="140" x2="${index * 16 + 28}" y2="20" ` +
      'stroke="#111" stroke-width="4"/>',
  ).join('');
  it.each([
    ['a filled disc', '<circle cx="80" cy="80" r="45" fill="#111"/>', 'solid-ink'],
    ['hatching across the image', hatching, 'most-ink-set-aside'],
  ])('should doubt the strokes found in %s', async (_, scenery, code) => {
    const bytes = await digitPng({ strokeWidth: 0, scenery });

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.isBlank).toBe(false);
    expect(sut.strokeDoubt).toEqual({ code, message: expect.any(String) as string });
  });

  it('should doubt the strokes of one digit out of two side by side', async () => {
    // The selection keeps the larger group, at least half the ink: never a clear majority.
    const secondSeven =
      '<path d="M205 40 L275 40 L230 130" fill="none" stroke="#111" stroke-width="12" ' +
      'stroke-linecap="round" stroke-linejoin="round"/>';
    const bytes = await digitPng({ canvas: { width: 320, height: 160 }, scenery: secondSeven });

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.strokeDoubt?.code).toBe('most-ink-set-aside');
  });

  const darkGridLines = gridLines.replaceAll('#a0b0c0', '#555');
  const specks = [
    [20, 30],
    [140, 120],
    [30, 140],
    [130, 20],
  ]
    .map(([x, y]) => `<circle cx="${x}" cy="${y}" r="2" fill="#111"/>`)
    .join('');
  const shadow =
    '<defs><filter id="soft"><feGaussianBlur stdDeviation="10"/></filter></defs>' +
    '<rect x="60" y="50" width="110" height="120" fill="#666" filter="url(#soft)"/>';
  it.each([
    ['in thick marker', { strokeWidth: 36 }],
    ['on squared paper with dark lines', { scenery: darkGridLines }],
    ['partly in a shadow', { scenery: shadow }],
    ['among a few specks', { scenery: specks }],
    ...scenes,
  ])('should not doubt a digit drawn %s', async (_, drawing) => {
    const bytes = await digitPng(drawing);

    const sut = await normaliseDigitImage(bytes, LIMITS);

    expect(sut.isBlank).toBe(false);
    expect(sut.strokeDoubt).toBeUndefined();
  });

  it('should refuse SVG before anything renders it', async () => {
    const error = await rejectionOf(digitSvg());

    expect(error.code).toBe('unsupported-format');
  });
});

(sharedFolder ? describe : describe.skip)(
  `${normaliseDigitImage.name} on ../shared${sharedSuffix}`,
  () => {
    const casesFolder = join(sharedFolder ?? '', 'cases');
    const singleFolder = join(sharedFolder ?? '', 'realworld', 'single');
    const listImages = (folder: string) =>
      sharedFolder
        ? readdirSync(folder)
            .filter((name) => !name.endsWith('.md'))
            .sort()
        : [];
    const cases = listImages(casesFolder);

    it.each(cases.filter((name) => /^\d_/.test(name)))(
      'should read case %s as a digit',
      async (name) => {
        const sut = await normaliseDigitImage(readFileSync(join(casesFolder, name)), LIMITS);

        expectMnistLike(sut);
        expect(sut.strokeDoubt).toBeUndefined();
      },
    );

    it.each(
      cases
        .filter((name) => !/^\d_/.test(name))
        .map((name): [string, string] => [
          name,
          name.startsWith('bomb_')
            ? 'too-many-pixels'
            : ({ 'invalid_zero-bytes.png': 'empty-file', 'invalid_truncated.png': 'corrupt-image' }[
                name
              ] ?? 'unsupported-format'),
        ]),
    )('should refuse case %s with %s', async (name, code) => {
      const error = await rejectionOf(readFileSync(join(casesFolder, name)));

      expect(error.code).toBe(code);
    });

    it.each(listImages(singleFolder))('should find a digit in real upload %s', async (name) => {
      const sut = await normaliseDigitImage(readFileSync(join(singleFolder, name)), LIMITS);

      expectMnistLike(sut);
    });

    it('should doubt none of the real single-digit uploads', async () => {
      const doubted: string[] = [];

      for (const name of listImages(singleFolder)) {
        const sut = await normaliseDigitImage(readFileSync(join(singleFolder, name)), LIMITS);
        if (sut.strokeDoubt) {
          doubted.push(`${name}: ${sut.strokeDoubt.code}`);
        }
      }

      expect(doubted).toEqual([]);
    });
  },
);
