import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { gunzip, readIdx } from './idx-reader';
import { MnistFileName, verifyMnistChecksum } from './mnist-checksums';

export const MNIST_IMAGE_SIZE = 28;
export const MNIST_PIXELS = MNIST_IMAGE_SIZE * MNIST_IMAGE_SIZE;

/** A split of MNIST: `count` images of 28x28 bytes (0 = background, 255 = ink) and their labels. */
export interface MnistSplit {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

export interface MnistDataset {
  train: MnistSplit;
  test: MnistSplit;
}

export interface LoadMnistOptions {
  /** Download the canonical files that are missing from the directory first. Default false. */
  shouldDownload?: boolean;
  /** Where to download from. Default: the canonical Google Cloud mirror of MNIST. */
  mirrorUrl?: string;
}

export const DEFAULT_MNIST_MIRROR_URL = 'https://storage.googleapis.com/cvdf-datasets/mnist/';

const FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const satisfies Record<string, MnistFileName>;

/**
 * Loads the four standard MNIST files from a directory, verifying each decompressed file's
 * checksum and the IDX shapes.
 */
export async function loadMnist(
  directory: string,
  options: LoadMnistOptions = {},
): Promise<MnistDataset> {
  if (options.shouldDownload === true) {
    await downloadMissingMnistFiles(directory, options.mirrorUrl ?? DEFAULT_MNIST_MIRROR_URL);
  }

  // One file after the other, so that the first bad file is always the one reported.
  const trainImages = await readVerified(directory, FILES.trainImages);
  const trainLabels = await readVerified(directory, FILES.trainLabels);
  const testImages = await readVerified(directory, FILES.testImages);
  const testLabels = await readVerified(directory, FILES.testLabels);

  return {
    train: toSplit(trainImages, trainLabels, FILES.trainImages),
    test: toSplit(testImages, testLabels, FILES.testImages),
  };
}

/** Downloads each missing file from the mirror and saves it only if its checksum is accepted. */
export async function downloadMissingMnistFiles(
  directory: string,
  mirrorUrl: string,
): Promise<void> {
  await mkdir(directory, { recursive: true });

  for (const fileName of Object.values(FILES)) {
    const filePath = path.join(directory, fileName);
    if (await exists(filePath)) {
      continue;
    }

    const compressed = await download(new URL(fileName, mirrorUrl).toString());
    verifyMnistChecksum(fileName, gunzip(compressed, fileName));
    await writeFile(filePath, compressed);
  }
}

async function readVerified(directory: string, fileName: MnistFileName): Promise<Uint8Array> {
  const filePath = path.join(directory, fileName);
  let compressed: Buffer;
  try {
    compressed = await readFile(filePath);
  } catch (error) {
    throw new Error(
      `Cannot read MNIST file ${filePath} (${(error as Error).message}). ` +
        'Point --data-dir at a directory holding the four MNIST files, or pass --download.',
    );
  }

  const decompressed = gunzip(compressed, fileName);
  verifyMnistChecksum(fileName, decompressed);

  return decompressed;
}

function toSplit(imageBytes: Uint8Array, labelBytes: Uint8Array, imageFile: string): MnistSplit {
  const images = readIdx(imageBytes, imageFile);
  const labels = readIdx(labelBytes, imageFile.replace('images-idx3', 'labels-idx1'));

  const [count, height, width] = images.dimensions;
  if (images.dimensions.length !== 3 || height !== MNIST_IMAGE_SIZE || width !== MNIST_IMAGE_SIZE) {
    throw new Error(
      `${imageFile}: expected N x 28 x 28 images, got ${images.dimensions.join('x')}.`,
    );
  }
  if (labels.dimensions.length !== 1 || labels.dimensions[0] !== count) {
    throw new Error(
      `${imageFile}: ${count} images but labels of shape ${labels.dimensions.join('x')}.`,
    );
  }

  return { count, images: images.data, labels: labels.data };
}

async function download(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(
      `Cannot download ${url}: ${(error as Error).message}. Is the machine offline? ` +
        'Copy the four MNIST files into --data-dir instead.',
    );
  }
  if (!response.ok) {
    throw new Error(`Cannot download ${url}: HTTP ${response.status} ${response.statusText}.`);
  }

  return new Uint8Array(await response.arrayBuffer());
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await access(filePath);
    return true;
  } catch {
    return false;
  }
}
