import { detectImageFormat } from './image-format';

function bytesOf(...parts: (string | number[])[]): Uint8Array {
  return Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
  );
}

describe(detectImageFormat.name, () => {
  it.each([
    ['png', bytesOf([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13])],
    ['jpeg', bytesOf([0xff, 0xd8, 0xff, 0xe0])],
    ['webp', bytesOf('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
    ['gif', bytesOf('GIF89a', [1, 0, 1, 0])],
    ['gif', bytesOf('GIF87a', [1, 0, 1, 0])],
    ['bmp', bytesOf('BM', new Array<number>(30).fill(0))],
    ['tiff', bytesOf('II*\0', [8, 0, 0, 0])],
    ['tiff', bytesOf('MM\0*', [0, 0, 0, 8])],
  ])('should detect %s from its magic bytes', (format, bytes) => {
    const result = detectImageFormat(bytes);

    expect(result).toMatchObject({ isSupported: true, format });
  });

  it.each([
    ['SVG', bytesOf('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ['SVG', bytesOf('\uFEFF  <?xml version="1.0"?>\n<!-- drawn -->\n<svg width="1"/>')],
    ['XML', bytesOf('<?xml version="1.0"?><note/>')],
    ['PDF', bytesOf('%PDF-1.7\n%âãÏÓ\n')],
    ['HEIC', bytesOf([0, 0, 0, 24], 'ftypheic', [0, 0, 0, 0])],
    ['AVIF', bytesOf([0, 0, 0, 28], 'ftypavif', [0, 0, 0, 0])],
    ['HEIF', bytesOf([0, 0, 0, 28], 'ftypmif1', [0, 0, 0, 0])],
    ['Text', bytesOf('this is not an image\n')],
  ])('should name refused format %s', (name, bytes) => {
    const result = detectImageFormat(bytes);

    expect(result.isSupported).toBe(false);
    expect(result.name.toLowerCase()).toBe(name.toLowerCase());
  });

  it('should not call unknown binary data text', () => {
    const result = detectImageFormat(Uint8Array.from([0, 1, 2, 3, 250, 251, 252, 0, 0, 7]));

    expect(result).toEqual({ isSupported: false, name: 'an unknown binary format' });
  });
});
