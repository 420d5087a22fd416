import { Readable } from 'node:stream';

import type { Request } from 'express';

import { LensqError } from '../../common/lensq-error';
import { parseImageUpload, sanitiseFilename } from './multipart-image-upload.parser';

const BOUNDARY = 'lensq-spec';
const LIMITS = { maxFiles: 4, maxFileBytes: 1000, maxRequestBytes: 100_000, maxPixels: 1000 };

/** A request whose body is `body`, as Express hands it to the parser, in chunks of `chunkBytes`. */
function requestOf(body: string, chunkBytes = Infinity): Request {
  const bytes = Buffer.from(body, 'latin1');
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    chunks.push(bytes.subarray(start, start + chunkBytes));
  }
  const req = Readable.from(chunks) as unknown as Request;
  req.headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  return req;
}

function part(disposition: string, content = 'bytes'): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; ${disposition}\r\n\r\n${content}\r\n`;
}

async function failure(body: string | Request, limits = LIMITS): Promise<LensqError> {
  const req = typeof body === 'string' ? requestOf(body) : body;
  const error: unknown = await parseImageUpload(req, limits).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LensqError);
  return error as LensqError;
}

describe(parseImageUpload.name, () => {
  it('should read the files of the images field in order', async () => {
    const body =
      part('name="images"; filename="a.png"', 'one') +
      part('name="images"; filename="b.png"', 'two');

    const sut = await parseImageUpload(requestOf(`${body}--${BOUNDARY}--\r\n`), LIMITS);

    expect(sut.map((file) => [file.filename, file.bytes.toString()])).toEqual([
      ['a.png', 'one'],
      ['b.png', 'two'],
    ]);
  });

  it('should refuse a body cut inside a file with a 400 instead of an unhandled error', async () => {
    const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="a.png"\r\n\r\nhalf a fi`;

    const error = await failure(body);

    expect(error.status).toBe(400);
    expect(error.message).toBe('Malformed multipart body: Unexpected end of form');
  });

  it('should name a file over the per-file limit with its size and the limit, and say what to do', async () => {
    const body =
      part('name="images"; filename="small.png"') +
      part('name="images"; filename="big.png"', 'x'.repeat(1536)) +
      `--${BOUNDARY}--\r\n`;

    const error = await failure(body);

    const message =
      'big.png is 1.5 KiB, over the limit of 1000 bytes per file: scale it down or compress it and send it again';
    expect(error.code).toBe('file-too-large');
    expect(error.message).toBe(message);
    expect(error.details).toEqual([{ file: 'big.png', index: 1, code: 'file-too-large', message }]);
  });

  it('should say "more than" of a file still arriving when the body goes over its limit', async () => {
    const body = part('name="images"; filename="huge.png"', 'x'.repeat(150_000));
    const req = requestOf(body, 10_000);

    const error = await failure(req, { ...LIMITS, maxRequestBytes: 50_000 });

    expect(error.code).toBe('file-too-large');
    expect(error.message).toMatch(
      /^huge\.png is more than [\d.]+ KiB, over the limit of 1000 bytes/,
    );
  });

  it('should say that more files were sent than the limit allows', async () => {
    const files = Array.from({ length: 6 }, (_, index) =>
      part(`name="images"; filename="${index}.png"`),
    );

    const error = await failure(files.join('') + `--${BOUNDARY}--\r\n`);

    expect(error.code).toBe('too-many-files');
    expect(error.message).toBe(
      'Too many files: more than 4 were sent, and at most 4 images are accepted per request; split the upload into several tasks',
    );
  });

  it('should name a part without a name, and list only a few of many unexpected fields', async () => {
    const fields = Array.from({ length: 40 }, (_, index) => part(`name="field-${index}"`));
    const body = [part('filename="a.png"'), ...fields].join('') + `--${BOUNDARY}--\r\n`;

    const error = await failure(body);

    expect(error.message).toBe(
      'Unexpected field(s) without a name, "field-0", "field-1", "field-2", "field-3" and 36 more: ' +
        'send the images as files in the field "images" and nothing else',
    );
  });
});

describe(sanitiseFilename.name, () => {
  it('should keep only the last path segment of a name', () => {
    expect(sanitiseFilename('../../etc/passwd', 0)).toBe('passwd');
    expect(sanitiseFilename('C:\\Users\\me\\seven.png', 0)).toBe('seven.png');
  });

  it('should drop control characters and keep unicode', () => {
    expect(sanitiseFilename('zi\u0000ffer\u001b-七.png', 0)).toBe('ziffer-七.png');
  });

  it('should drop bidirectional overrides and other invisible characters', () => {
    expect(sanitiseFilename('\u202egnp.exe', 0)).toBe('gnp.exe');
    expect(sanitiseFilename('se\u200bven\u2066.png\u2028', 0)).toBe('seven.png');
  });

  it('should name an unnamed, dot or empty file by its position', () => {
    expect(sanitiseFilename(undefined, 0)).toBe('image-1');
    expect(sanitiseFilename('..', 2)).toBe('image-3');
    expect(sanitiseFilename('   ', 4)).toBe('image-5');
  });

  it('should cut very long names to 200 characters', () => {
    expect([...sanitiseFilename(`${'ü'.repeat(500)}.png`, 0)]).toHaveLength(200);
  });
});
