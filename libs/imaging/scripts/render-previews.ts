/**
 * Writes a contact sheet: for every image in the given folders, the upload beside the 28 × 28
 * image the model will read, scaled up, labelled with the file name. Looking at it is the
 * quickest check that normalisation makes real uploads look like MNIST digits.
 *
 *   npx tsc --outDir /tmp/lensq-imaging --rootDir . --esModuleInterop --target ES2022 \
 *     --module commonjs --skipLibCheck libs/imaging/scripts/render-previews.ts
 *   node /tmp/lensq-imaging/libs/imaging/scripts/render-previews.js /tmp/previews.png \
 *     ../shared/realworld/single ../shared/cases
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';

import { DEFAULT_MAX_PIXELS } from '../inspect-image';
import { DIGIT_IMAGE_SIZE, normaliseDigitImage } from '../normalise-digit-image';

const ZOOM = 4;
const TILE = DIGIT_IMAGE_SIZE * ZOOM;
const LABEL_HEIGHT = 14;
const COLUMNS = 8;

async function main(): Promise<void> {
  const [output, ...folders] = process.argv.slice(2);
  if (!output || folders.length === 0) {
    process.stderr.write('usage: render-previews <output.png> <folder>...\n');
    process.exitCode = 2;
    return;
  }

  const files = folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => !name.endsWith('.md'))
      .sort()
      .map((name) => join(folder, name)),
  );
  const layers: sharp.OverlayOptions[] = [];
  for (const [index, file] of files.entries()) {
    const left = (index % COLUMNS) * TILE * 2;
    const top = Math.floor(index / COLUMNS) * (TILE + LABEL_HEIGHT);
    layers.push(...(await renderTile(file, left, top)));
  }

  const rows = Math.ceil(files.length / COLUMNS);
  await sharp({
    create: {
      width: COLUMNS * TILE * 2,
      height: rows * (TILE + LABEL_HEIGHT),
      channels: 3,
      background: '#404060',
    },
  })
    .composite(layers)
    .png()
    .toFile(output);
  process.stdout.write(`wrote ${files.length} previews to ${output}\n`);
}

async function renderTile(
  file: string,
  left: number,
  top: number,
): Promise<sharp.OverlayOptions[]> {
  const bytes = readFileSync(file);
  const name = file.split('/').pop() ?? file;
  const layers: sharp.OverlayOptions[] = [];
  const original = await renderOriginal(bytes);
  if (original) {
    layers.push({ input: original, left: left + 2, top: top + 2 });
  }

  let caption = name;
  try {
    const digit = await normaliseDigitImage(bytes, { maxPixels: DEFAULT_MAX_PIXELS });
    const preview = await sharp(Buffer.from(digit.preview), {
      raw: { width: DIGIT_IMAGE_SIZE, height: DIGIT_IMAGE_SIZE, channels: 1 },
    })
      .resize(TILE, TILE, { kernel: 'nearest' })
      .png()
      .toBuffer();
    layers.push({ input: preview, left: left + TILE, top });
    caption += digit.isBlank ? ' BLANK' : '';
  } catch (error) {
    caption += ` ${(error as { code?: string }).code ?? 'error'}`;
  }

  layers.push({ input: label(caption), left, top: top + TILE });
  return layers;
}

async function renderOriginal(bytes: Buffer): Promise<Buffer | undefined> {
  try {
    return await sharp(bytes)
      .rotate()
      .resize(TILE - 4, TILE - 4, { fit: 'contain', background: '#808080' })
      .flatten({ background: '#808080' })
      .png()
      .toBuffer();
  } catch {
    // Broken uploads have no thumbnail; the caption says why.
    return undefined;
  }
}

function label(text: string): Buffer {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Buffer.from(
    `<svg width="${TILE * 2}" height="${LABEL_HEIGHT}"><text x="2" y="11" font-size="11" ` +
      `font-family="sans-serif" fill="white">${escaped}</text></svg>`,
  );
}

void main();
