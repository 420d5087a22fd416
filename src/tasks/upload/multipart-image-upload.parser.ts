import busboy from 'busboy';
import type { Request } from 'express';

import { UploadLimits } from '../../config/app-config.service';
import { formatByteLimit, formatByteSize } from '../../common/byte-size';
import { LensqError } from '../../common/lensq-error';

export const IMAGES_FIELD = 'images';

/** A file being read: its bytes are counted, and kept only while it is under the per-file limit. */
interface IncomingFile {
  index: number;
  filename: string;
  bytesSeen: number;
}

/** A file as received, before its bytes are checked. */
export interface ReceivedFile {
  index: number;
  filename: string;
  bytes: Buffer;
}

// Past this much extra body after a limit is hit, stop reading and close the connection.
const DRAIN_ALLOWANCE_BYTES = 64 * 1024 * 1024;
const LISTED_FIELDS = 5;

/**
 * Reads a multipart upload into memory, enforcing the file-count, file-size and body-size
 * limits while streaming. When a limit is hit it keeps draining the body (up to an
 * allowance) so the client reads a 413 instead of a reset connection, with or without a
 * Content-Length. A file over its limit is read to its end, without keeping its bytes, so
 * that the answer can say how large it is.
 */
export function parseImageUpload(req: Request, limits: UploadLimits): Promise<ReceivedFile[]> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    return Promise.reject(
      new LensqError(
        'invalid-request',
        `Expected a multipart/form-data body with the images in the field "${IMAGES_FIELD}", got Content-Type "${contentType || 'none'}"`,
      ),
    );
  }
  const declaredLength = Number(req.headers['content-length'] ?? NaN);
  if (declaredLength > limits.maxRequestBytes) {
    return drainThenReject(req, requestTooLarge(limits, declaredLength));
  }

  return new Promise<ReceivedFile[]>((resolve, reject) => {
    const files: ReceivedFile[] = [];
    const unexpectedFields = new Set<string | undefined>();
    let failure: LensqError | null = null;
    let receivedBytes = 0;
    let textImages = 0;
    let imagesStarted = 0;
    let oversized: IncomingFile | null = null;
    let settled = false;

    const fail = (error: LensqError) => {
      if (failure) return;
      failure = error;
      req.unpipe(parser);
      parser.removeAllListeners();
      // An 'error' without a listener would crash the whole process; the answer is decided.
      parser.on('error', () => undefined);
      drainThenReject(req, error).catch((drained: unknown) => finish(drained as LensqError));
    };
    const finish = (error: LensqError | null) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve(files);
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // No fileSize limit: busboy would cut the file there, and its size would stay unknown.
        limits: { files: limits.maxFiles, fieldSize: 64 * 1024 },
        defParamCharset: 'utf8',
      });
    } catch (error) {
      reject(
        new LensqError(
          'invalid-request',
          `Malformed multipart request: ${(error as Error).message}`,
        ),
      );
      return;
    }

    req.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= limits.maxRequestBytes) return;
      // The file that was already too large is the problem to report, not the body it fills.
      fail(
        oversized
          ? fileTooLarge(oversized, limits, { isComplete: false })
          : requestTooLarge(limits, receivedBytes),
      );
    });

    const malformedBody = (error: Error) =>
      fail(new LensqError('invalid-request', `Malformed multipart body: ${error.message}`));

    parser.on('file', (field, stream, info) => {
      const index = files.length + unexpectedFields.size;
      const filename = sanitiseFilename(info.filename, index);
      // Busboy reports a body cut inside a file ("Unexpected end of form") on the file's own
      // stream: without this listener that error is unhandled and takes the API process down.
      stream.on('error', malformedBody);
      if (field !== IMAGES_FIELD) {
        unexpectedFields.add(field);
        stream.resume();
        return;
      }
      // Counted at the start: the previous file may not have ended yet when this one begins.
      const file: IncomingFile = { index: imagesStarted, filename, bytesSeen: 0 };
      imagesStarted += 1;
      let chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        file.bytesSeen += chunk.length;
        if (file.bytesSeen <= limits.maxFileBytes) {
          chunks.push(chunk);
          return;
        }
        oversized = file;
        chunks = [];
      });
      stream.on('end', () => {
        if (oversized === file) {
          fail(fileTooLarge(file, limits, { isComplete: true }));
          return;
        }
        files.push({ index: file.index, filename, bytes: Buffer.concat(chunks) });
      });
    });
    parser.on('field', (field) => {
      if (field === IMAGES_FIELD) {
        textImages += 1;
        return;
      }
      unexpectedFields.add(field);
    });
    parser.on('filesLimit', () =>
      fail(
        new LensqError(
          'too-many-files',
          // Busboy stops reading files at the limit, so the exact count is never known.
          `Too many files: more than ${limits.maxFiles} were sent, and at most ${limits.maxFiles} images are accepted per request; split the upload into several tasks`,
        ),
      ),
    );
    parser.on('error', malformedBody);
    parser.on('close', () => {
      if (failure) return;
      if (unexpectedFields.size > 0) {
        return finish(
          new LensqError(
            'invalid-request',
            `Unexpected field(s) ${describeFields(unexpectedFields)}: send the images as files in the field "${IMAGES_FIELD}" and nothing else`,
          ),
        );
      }
      if (textImages > 0) {
        return finish(
          new LensqError(
            'invalid-request',
            `The field "${IMAGES_FIELD}" held ${textImages} text value(s) instead of files: attach each image as a file (curl: -F ${IMAGES_FIELD}=@digit.png)`,
          ),
        );
      }
      if (files.length === 0) {
        return finish(
          new LensqError(
            'invalid-request',
            `No images: send one or more image files in the multipart field "${IMAGES_FIELD}"`,
          ),
        );
      }
      finish(null);
    });
    req.on('aborted', () =>
      finish(new LensqError('invalid-request', 'The upload was aborted by the client')),
    );

    req.pipe(parser);
  });
}

/** Names a few of the unexpected fields: a body of thousands of tiny parts must not echo back. */
function describeFields(fields: Set<string | undefined>): string {
  const names = [...fields].map((name) =>
    name === undefined || name === '' ? 'without a name' : `"${[...name].slice(0, 40).join('')}"`,
  );
  const shown = names.slice(0, LISTED_FIELDS).join(', ');
  return names.length > LISTED_FIELDS ? `${shown} and ${names.length - LISTED_FIELDS} more` : shown;
}

function requestTooLarge(limits: UploadLimits, bytes: number): LensqError {
  return new LensqError(
    'request-too-large',
    `The request body is larger than the limit of ${formatByteLimit(limits.maxRequestBytes)} (received at least ${bytes} bytes); send fewer or smaller images per task`,
  );
}

/**
 * Names the file and says how large it is, when it was read to its end, or how much of it was
 * read before the body itself went over its limit.
 */
function fileTooLarge(
  file: IncomingFile,
  limits: UploadLimits,
  options: { isComplete: boolean },
): LensqError {
  const size = `${options.isComplete ? '' : 'more than '}${formatByteSize(file.bytesSeen)}`;
  const message = `${file.filename} is ${size}, over the limit of ${formatByteLimit(limits.maxFileBytes)} per file: scale it down or compress it and send it again`;

  return new LensqError('file-too-large', message, [
    { file: file.filename, index: file.index, code: 'file-too-large', message },
  ]);
}

/** Reads and discards the rest of the body, then rejects with `error`. */
function drainThenReject(req: Request, error: LensqError): Promise<never> {
  return new Promise((_, reject) => {
    if (req.readableEnded) {
      reject(error);
      return;
    }
    let drained = 0;
    const onData = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_ALLOWANCE_BYTES) {
        req.off('data', onData);
        req.pause();
        // Too much to read politely: answer anyway and let the server close the socket.
        req.headers.connection = 'close';
        reject(error);
      }
    };
    req.on('data', onData);
    req.once('end', () => reject(error));
    req.once('error', () => reject(error));
    req.resume();
  });
}

/**
 * Keeps a client's file name for display only: strips any path, control characters, invisible
 * format characters and excess length. It is never used to build a path.
 */
export function sanitiseFilename(raw: string | undefined, index: number): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  // Format characters include the bidirectional overrides that make "\u202egnp.exe" show as
  // "exe.png" wherever the name is displayed; line separators would break log lines.
  const printable = base.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').trim();
  if (printable === '' || printable === '.' || printable === '..') {
    return `image-${index + 1}`;
  }
  return [...printable].slice(0, 200).join('');
}
