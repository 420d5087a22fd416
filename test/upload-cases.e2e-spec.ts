import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

import { pngChunk } from '../libs/imaging/grey-png';

import sharp from 'sharp';

import {
  digitPng,
  digitRgba,
  encodeBmp,
  SYNTHETIC_SIZE,
} from '../libs/imaging/testing/synthetic-digit';

import { fileFromDisk, submitImages, UploadFile, waitForResult } from './support/lensq-client';
import { useLensqStack } from './support/lensq-stack';
import { hasSharedData, sharedPath } from './support/shared-data';

const LIMITS = {
  MAX_FILES_PER_REQUEST: '4',
  MAX_FILE_BYTES: '500000',
  MAX_REQUEST_BYTES: '1000000',
};

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details: Array<{ file: string; code: string }>;
}

/** The awkward and broken uploads of ../shared/cases, and whole requests that must be refused. */
describe('Awkward and broken uploads (real API and worker)', () => {
  const stack = useLensqStack(LIMITS);

  const describeWithCases = hasSharedData('cases') ? describe : describe.skip;
  describeWithCases('every file in ../shared/cases gets the outcome its README gives', () => {
    const cases = hasSharedData('cases')
      ? readdirSync(sharedPath('cases'))
          .filter((name) => name !== 'README.md')
          .sort()
      : [];
    const readable = cases.filter((name) => /^\d_/.test(name));
    const refused = cases.filter((name) => !/^\d_/.test(name));

    it.each(readable)('should read %s as its digit', async (name) => {
      const response = await submitImages(stack.baseUrl, [
        {
          ...fileFromDisk(sharedPath('cases', name)),
          type: name.endsWith('.jpg') ? 'image/jpeg' : 'image/png',
        },
      ]);
      expect(response.status).toBe(202);
      const { result_id: id } = (await response.json()) as { result_id: string };

      const result = await waitForResult(stack.baseUrl, id);

      expect(result.value).toEqual([name[0]]);
    });

    it.each(refused)('should refuse %s with a 4xx naming the file', async (name) => {
      const response = await submitImages(stack.baseUrl, [fileFromDisk(sharedPath('cases', name))]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(body.message).toContain(name);
      expect(body.details.map((detail) => detail.file)).toEqual([name]);
    });

    it('should state the pixel limit when refusing the decompression bomb', async () => {
      const response = await submitImages(stack.baseUrl, [
        fileFromDisk(sharedPath('cases', 'bomb_20000x20000.png')),
      ]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(413);
      expect(body.code).toBe('too-many-pixels');
      expect(body.message).toContain('40,000,000');
    });

    it('should list every bad file of a request at once', async () => {
      const files = ['invalid_zero-bytes.png', 'invalid_text-named.png', 'invalid_truncated.png'];

      const response = await submitImages(
        stack.baseUrl,
        files.map((name) => fileFromDisk(sharedPath('cases', name))),
      );
      const body = (await response.json()) as ErrorBody;

      expect(body.details.map((detail) => [detail.file, detail.code])).toEqual([
        ['invalid_zero-bytes.png', 'empty-file'],
        ['invalid_text-named.png', 'unsupported-format'],
        ['invalid_truncated.png', 'corrupt-image'],
      ]);
    });
  });

  describe('whole requests', () => {
    it('should refuse SVG with 415 and the list of supported formats, without rendering it', async () => {
      const svg: UploadFile = {
        name: 'seven.svg',
        bytes: Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28"><text>7</text></svg>',
        ),
        type: 'image/svg+xml',
      };

      const response = await submitImages(stack.baseUrl, [svg]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(415);
      expect(body.message).toMatch(/SVG.*not supported.*PNG, JPEG, WebP, GIF, BMP, TIFF/);
    });

    it('should refuse PDF with 415', async () => {
      const pdf: UploadFile = {
        name: 'scan.pdf',
        bytes: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'),
      };

      const response = await submitImages(stack.baseUrl, [pdf]);

      expect(response.status).toBe(415);
    });

    it('should refuse more files than the limit with 413 naming the limit', async () => {
      const files = Array.from({ length: 5 }, (_, index) => ({
        name: `${index}.png`,
        bytes: Buffer.from('x'),
      }));

      const response = await submitImages(stack.baseUrl, files);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(413);
      expect(body).toMatchObject({ code: 'too-many-files' });
      expect(body.message).toContain('more than 4 were sent, and at most 4');
    });

    it('should refuse a file over the per-file limit with 413 naming the file, its size and the limit', async () => {
      const response = await submitImages(stack.baseUrl, [
        { name: 'huge-scan.png', bytes: Buffer.alloc(600_000, 1) },
      ]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(413);
      const message =
        'huge-scan.png is 585.9 KiB, over the limit of 488.3 KiB (500000 bytes) per file: scale it down or compress it and send it again';
      expect(body.message).toBe(message);
      expect(body.details).toEqual([
        { file: 'huge-scan.png', index: 0, code: 'file-too-large', message },
      ]);
    });

    it('should answer 413, not reset the connection, for an oversized body with Content-Length', async () => {
      const answer = await sendRawMultipart(stack.port, 3, 350_000, { isChunked: false });

      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ code: 'request-too-large' });
    });

    it('should answer 413, not reset the connection, for an oversized chunked body without Content-Length', async () => {
      const answer = await sendRawMultipart(stack.port, 3, 350_000, { isChunked: true });

      expect(answer.status).toBe(413);
      expect(answer.body).toMatchObject({ code: 'request-too-large' });
    });

    it('should refuse a text value in the images field with 400', async () => {
      const form = new FormData();
      form.append('images', 'not a file');

      const response = await fetch(`${stack.baseUrl}/tasks/predict`, {
        method: 'POST',
        body: form,
      });
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(body.message).toContain('instead of files');
    });

    it('should keep a path in a file name for display only', async () => {
      const file = {
        ...fileFromDisk(path.join(__dirname, '..', 'README.md')),
        name: '../../etc/passwd',
      };

      const response = await submitImages(stack.baseUrl, [file]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(415);
      expect(body.details[0].file).toBe('passwd');
    });

    it('should still serve after all of the above', async () => {
      const response = await fetch(
        `${stack.baseUrl}/tasks/result/00000000-0000-4000-8000-000000000000`,
      );

      expect(response.status).toBe(404);
    });
  });

  describe('classes found by attacking the upload path', () => {
    it('should refuse at upload a JPEG cut short in its scan, naming it among good siblings', async () => {
      const jpeg = await sharp(await digitPng())
        .jpeg()
        .toBuffer();
      const scanStart = jpeg.indexOf(Buffer.from([0xff, 0xda]));
      const cut = jpeg.subarray(0, scanStart + Math.floor((jpeg.length - scanStart) / 3));
      const files = [
        { name: 'seven.png', bytes: await digitPng() },
        { name: 'cut.jpg', bytes: cut },
      ];

      const response = await submitImages(stack.baseUrl, files);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(body.details.map((detail) => [detail.file, detail.code])).toEqual([
        ['cut.jpg', 'corrupt-image'],
      ]);
    });

    it('should read the siblings of an image whose damage only decoding reveals', async () => {
      // The header claims 4000x4000 pixels over the data of 160x160: it passes every check that
      // reads no pixels, and fails only when decoded, in the worker.
      const lying = Buffer.from(await digitPng());
      lying.writeUInt32BE(4000, 16);
      lying.writeUInt32BE(4000, 20);
      lying.writeUInt32BE(crc32(lying.subarray(12, 29)), 29);
      const files = [
        { name: 'seven.png', bytes: await digitPng() },
        { name: 'lying.png', bytes: lying },
        {
          name: 'seven.jpg',
          bytes: await sharp(await digitPng())
            .jpeg()
            .toBuffer(),
        },
      ];

      const response = await submitImages(stack.baseUrl, files);
      const { result_id: id } = (await response.json()) as { result_id: string };
      const result = await waitForResult(stack.baseUrl, id);

      expect(response.status).toBe(202);
      expect(result).toMatchObject({ status: 'completed', value: ['7', null, '7'] });
      expect(result.images[1].error?.code).toBe('corrupt-image');
      expect(result.images[1].error?.message).toMatch(/^lying\.png: The PNG image is corrupt/);
    });

    it('should answer 400 to a body cut inside a file, and keep serving', async () => {
      const body =
        '--cut\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n\r\n' +
        'the body ends before the closing boundary';

      const answer = await postRaw(
        stack.port,
        {
          'content-type': 'multipart/form-data; boundary=cut',
          'content-length': String(Buffer.byteLength(body)),
        },
        [body],
      );
      const live = await fetch(`${stack.baseUrl}/health/live`);

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        message: 'Malformed multipart body: Unexpected end of form',
      });
      expect(live.status).toBe(200);
      expect(stack.api.child.exitCode).toBeNull();
    });

    it('should refuse at upload, not in the worker, a BMP it cannot decode', async () => {
      const rgba = await digitRgba();
      const files = [
        {
          name: 'rle.bmp',
          bytes: encodeBmp(rgba, SYNTHETIC_SIZE, SYNTHETIC_SIZE, {
            bitsPerPixel: 8,
            compression: 1,
          }),
        },
        {
          name: 'cut.bmp',
          bytes: encodeBmp(rgba, SYNTHETIC_SIZE, SYNTHETIC_SIZE, { bitsPerPixel: 24 }).subarray(
            0,
            3000,
          ),
        },
      ];

      const response = await submitImages(stack.baseUrl, files);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(415);
      expect(body.details.map((detail) => [detail.file, detail.code])).toEqual([
        ['rle.bmp', 'unsupported-format'],
        ['cut.bmp', 'corrupt-image'],
      ]);
    });

    it('should say that a PNG carries too much metadata rather than call it truncated', async () => {
      const png = await digitPng();
      const comment = Buffer.concat([
        Buffer.from('Comment\0\0', 'latin1'),
        deflateSync(Buffer.alloc(128 * 1024 * 1024)),
      ]);
      const bytes = Buffer.concat([
        png.subarray(0, 33),
        pngChunk('zTXt', comment),
        png.subarray(33),
      ]);

      const response = await submitImages(stack.baseUrl, [{ name: 'metadata-bomb.png', bytes }]);
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(body.message).toContain('metadata-bomb.png: The PNG image carries more metadata');
    });

    it('should drop a right-to-left override from a file name', async () => {
      const file = { name: '\u202egnp.exe', bytes: await digitPng() };

      const response = await submitImages(stack.baseUrl, [file]);
      const { result_id: id } = (await response.json()) as { result_id: string };
      const result = await waitForResult(stack.baseUrl, id);

      expect(result.images[0].filename).toBe('gnp.exe');
    });

    it('should list only a few of many unexpected fields', async () => {
      const form = new FormData();
      for (let index = 0; index < 30; index += 1) form.append(`field-${index}`, 'x');

      const response = await fetch(`${stack.baseUrl}/tasks/predict`, {
        method: 'POST',
        body: form,
      });
      const body = (await response.json()) as ErrorBody;

      expect(response.status).toBe(400);
      expect(body.message).toMatch(/^Unexpected field\(s\) "field-0", .* and 25 more: /);
    });
  });
});

/** A multipart body of `parts` files of `partBytes` each, with or without a Content-Length. */
function sendRawMultipart(
  port: number,
  parts: number,
  partBytes: number,
  options: { isChunked: boolean },
): Promise<{ status: number; body: unknown }> {
  const boundary = 'lensq-test-boundary';
  const chunks: Buffer[] = [];
  for (let index = 0; index < parts; index += 1) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="images"; filename="part-${index}.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      ),
      Buffer.alloc(partBytes, index),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);

  return postRaw(
    port,
    {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      ...(options.isChunked
        ? { 'transfer-encoding': 'chunked' }
        : { 'content-length': String(total) }),
    },
    chunks,
  );
}

/**
 * Posts `chunks` as they are with node:http, so the test can send what no well-behaved
 * client would and sees a reset connection as an error instead of a status.
 */
function postRaw(
  port: number,
  headers: Record<string, string>,
  chunks: Array<Buffer | string>,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/tasks/predict', headers },
      (res) => {
        const received: Buffer[] = [];
        res.on('data', (chunk: Buffer) => received.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(received).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}
