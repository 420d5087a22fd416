import { gunzipSync } from 'node:zlib';

/** An IDX array of unsigned bytes: its dimensions (outermost first) and values in row-major order. */
export interface IdxArray {
  dimensions: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE_TYPE = 0x08;
const HEADER_PREFIX_BYTES = 4;
const DIMENSION_BYTES = 4;

/**
 * Parses an IDX file (the format of the MNIST distribution): two zero bytes, a type code, the
 * number of dimensions, each dimension as a big-endian uint32, then the values. Only unsigned
 * bytes (type 0x08) are supported; that is all MNIST uses.
 */
export function readIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length < HEADER_PREFIX_BYTES) {
    throw new Error(`${name}: ${bytes.length} bytes is too short for an IDX header.`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${name}: bad IDX magic number; the first two bytes must be zero.`);
  }
  if (bytes[2] !== UNSIGNED_BYTE_TYPE) {
    throw new Error(`${name}: unsupported IDX type 0x${bytes[2].toString(16)}; expected 0x08.`);
  }

  const dimensionCount = bytes[3];
  const headerLength = HEADER_PREFIX_BYTES + dimensionCount * DIMENSION_BYTES;
  if (dimensionCount === 0 || bytes.length < headerLength) {
    throw new Error(`${name}: truncated IDX header for ${dimensionCount} dimensions.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dimensions = Array.from({ length: dimensionCount }, (_, index) =>
    view.getUint32(HEADER_PREFIX_BYTES + index * DIMENSION_BYTES, false),
  );

  const expectedLength = dimensions.reduce((product, size) => product * size, 1);
  const actualLength = bytes.length - headerLength;
  if (actualLength !== expectedLength) {
    throw new Error(
      `${name}: the header declares ${dimensions.join('x')} = ${expectedLength} values ` +
        `but the file holds ${actualLength}.`,
    );
  }

  return { dimensions, data: bytes.subarray(headerLength) };
}

/** Decompresses a gzip IDX file and parses it. */
export function readGzippedIdx(compressed: Uint8Array, name = 'IDX data'): IdxArray {
  return readIdx(gunzip(compressed, name), name);
}

export function gunzip(compressed: Uint8Array, name: string): Uint8Array {
  try {
    return new Uint8Array(gunzipSync(compressed));
  } catch (error) {
    throw new Error(`${name}: not a valid gzip file (${(error as Error).message}).`);
  }
}
