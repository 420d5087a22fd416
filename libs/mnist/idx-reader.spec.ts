import { gzipSync } from 'node:zlib';

import { readGzippedIdx, readIdx } from './idx-reader';

/** Builds an IDX file of unsigned bytes with the given dimensions and values. */
function idxBytes(dimensions: number[], values: number[], type = 0x08): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dimensions.length);
  header[2] = type;
  header[3] = dimensions.length;
  dimensions.forEach((size, index) => header.writeUInt32BE(size, 4 + 4 * index));

  return new Uint8Array(Buffer.concat([header, Buffer.from(values)]));
}

describe(readIdx.name, () => {
  it('should read the big-endian dimensions and the values', () => {
    const bytes = idxBytes([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);

    const sut = readIdx(bytes);

    expect(sut.dimensions).toEqual([2, 2, 3]);
    expect(Array.from(sut.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  });

  it('should read dimensions above 255 as big-endian', () => {
    const bytes = idxBytes([300], new Array<number>(300).fill(7));

    const sut = readIdx(bytes);

    expect(sut.dimensions).toEqual([300]);
  });

  it('should reject a bad magic number', () => {
    const bytes = idxBytes([1], [1]);
    bytes[0] = 1;

    expect(() => readIdx(bytes, 'labels')).toThrow('labels: bad IDX magic number');
  });

  it('should reject a type other than unsigned bytes', () => {
    const bytes = idxBytes([1], [1], 0x0d);

    expect(() => readIdx(bytes)).toThrow('unsupported IDX type 0xd');
  });

  it('should reject data shorter or longer than the header declares', () => {
    expect(() => readIdx(idxBytes([2, 3], [1, 2, 3]))).toThrow(
      'declares 2x3 = 6 values but the file holds 3',
    );
    expect(() => readIdx(idxBytes([1], [1, 2]))).toThrow(
      'declares 1 = 1 values but the file holds 2',
    );
  });

  it('should reject a truncated header', () => {
    expect(() => readIdx(new Uint8Array([0, 0, 8]))).toThrow('too short');
    expect(() => readIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1]))).toThrow('truncated IDX header');
  });
});

describe(readGzippedIdx.name, () => {
  it('should decompress and read a gzip IDX file', () => {
    const compressed = gzipSync(idxBytes([3], [4, 5, 6]));

    const sut = readGzippedIdx(compressed);

    expect(Array.from(sut.data)).toEqual([4, 5, 6]);
  });

  it('should name the file when it is not gzip', () => {
    expect(() => readGzippedIdx(new Uint8Array([1, 2, 3]), 'x.gz')).toThrow(
      'x.gz: not a valid gzip file',
    );
  });
});
