import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import sharp from 'sharp';

import { readGzippedIdx } from '../libs/mnist/idx-reader';

/** One file of an upload. */
export interface UploadFile {
  filename: string;
  bytes: Buffer;
}

/** A ready-to-send multipart body: built once, sent many times, so the client costs little. */
export interface UploadPayload {
  body: Buffer;
  contentType: string;
  imageCount: number;
}

const MNIST_SIDE = 28;

/**
 * 28x28 PNGs of MNIST test digits, drawn dark on light like the web page's pad: the
 * smallest realistic upload, which makes the service's own overhead visible.
 */
export async function mnistDigitPngs(sharedFolder: string, count: number): Promise<UploadFile[]> {
  const compressed = readFileSync(path.join(sharedFolder, 'data/mnist/t10k-images-idx3-ubyte.gz'));
  const images = readGzippedIdx(compressed, 't10k-images');
  const pixels = MNIST_SIDE * MNIST_SIDE;

  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const grey = Buffer.alloc(pixels);
      for (let pixel = 0; pixel < pixels; pixel += 1) {
        grey[pixel] = 255 - images.data[index * pixels + pixel];
      }
      const bytes = await sharp(grey, {
        raw: { width: MNIST_SIDE, height: MNIST_SIDE, channels: 1 },
      })
        .png()
        .toBuffer();
      return { filename: `mnist-${index}.png`, bytes };
    }),
  );
}

/** Every image of a folder of real uploads (phone photos, scans, drawings), in name order. */
export function folderImages(folder: string): UploadFile[] {
  return readdirSync(folder)
    .filter((name) => /\.(png|jpe?g|webp|gif|bmp|tiff?)$/i.test(name))
    .sort()
    .map((filename) => ({ filename, bytes: readFileSync(path.join(folder, filename)) }));
}

/** Groups files into uploads of `perTask` images each, cycling through them. */
export function uploadsOf(files: UploadFile[], perTask: number, count: number): UploadPayload[] {
  return Array.from({ length: count }, (_, task) =>
    multipartBody(
      Array.from({ length: perTask }, (_, slot) => files[(task * perTask + slot) % files.length]),
    ),
  );
}

/** The form POST /tasks/predict expects: every file in the field `images`. */
export function multipartBody(files: UploadFile[]): UploadPayload {
  const boundary = `lensq-bench-${randomBytes(12).toString('hex')}`;
  const parts = files.flatMap((file) => [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="${file.filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file.bytes,
    Buffer.from('\r\n'),
  ]);
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
    imageCount: files.length,
  };
}
