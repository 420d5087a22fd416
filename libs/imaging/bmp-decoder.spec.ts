import { decodeBmp, readBmpHeader } from './bmp-decoder';
import { ImageRejectedError } from './image-rejected-error';
import { encodeBmp } from './testing/synthetic-digit';

/** A 3 × 2 image: red, green, blue on top; black, white, grey below. */
const WIDTH = 3;
const HEIGHT = 2;
const RGBA = Uint8Array.from([
  255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 128, 128, 128,
  255,
]);

describe(decodeBmp.name, () => {
  it.each([
    [24, false],
    [24, true],
    [32, false],
    [32, true],
  ] as const)('should decode a %i-bit image (top-down: %s)', (bitsPerPixel, isTopDown) => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel, isTopDown });

    const sut = decodeBmp(bytes);

    expect(sut).toEqual({ data: RGBA, width: WIDTH, height: HEIGHT });
  });

  it('should decode an 8-bit palette image', () => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel: 8 });

    const sut = decodeBmp(bytes);

    const greys = Array.from(sut.data.filter((_, index) => index % 4 === 0));
    expect(greys).toEqual([76, 150, 29, 0, 255, 128]);
  });

  it('should decode a 1-bit image with its colour table', () => {
    const bytes = oneBitBmp();

    const sut = decodeBmp(bytes);

    expect(Array.from(sut.data.subarray(0, 8))).toEqual([255, 255, 255, 255, 0, 0, 0, 255]);
  });

  it('should make a 32-bit image with an all-zero fourth byte opaque', () => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel: 32 });
    for (let index = 54 + 3; index < bytes.length; index += 4) {
      bytes[index] = 0;
    }

    const sut = decodeBmp(bytes);

    expect(sut.data[3]).toBe(255);
  });

  it('should refuse RLE compression with a clear message', () => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel: 8, compression: 1 });

    const decode = () => decodeBmp(bytes);

    expect(decode).toThrow(ImageRejectedError);
    expect(decode).toThrow(/RLE8 compression is not supported/);
  });

  it('should refuse pixel data shorter than the header says', () => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel: 24 }).subarray(0, 60);

    expect(() => decodeBmp(bytes)).toThrow(/truncated/);
  });

  it('should read the size from the header alone', () => {
    const bytes = encodeBmp(RGBA, WIDTH, HEIGHT, { bitsPerPixel: 24, isTopDown: true });

    const header = readBmpHeader(bytes.subarray(0, 54));

    expect(header).toMatchObject({ width: 3, height: 2, bitsPerPixel: 24, isTopDown: true });
  });
});

/** 2 × 1 pixels, 1 bit each: white then black, with a two-entry colour table. */
function oneBitBmp(): Buffer {
  const bytes = Buffer.alloc(14 + 40 + 8 + 4);
  bytes.write('BM', 0, 'ascii');
  bytes.writeUInt32LE(bytes.length, 2);
  bytes.writeUInt32LE(14 + 40 + 8, 10);
  bytes.writeUInt32LE(40, 14);
  bytes.writeInt32LE(2, 18);
  bytes.writeInt32LE(1, 22);
  bytes.writeUInt16LE(1, 26);
  bytes.writeUInt16LE(1, 28);
  bytes.writeUInt32LE(2, 46);
  bytes.fill(0, 54, 58);
  bytes.fill(255, 58, 61);
  bytes[62] = 0b1000_0000;
  return bytes;
}
