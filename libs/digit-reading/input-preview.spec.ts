import sharp from 'sharp';

import { encodeInputPreview } from './input-preview';

describe(encodeInputPreview.name, () => {
  it('should encode a 28x28 grey PNG that decodes to the input scaled to 0-255', async () => {
    const pixels = Float32Array.from({ length: 784 }, (_, index) => (index % 29) / 28);
    pixels[0] = 1.5;
    pixels[1] = -0.5;

    const png = encodeInputPreview(pixels);

    const { data, info } = await sharp(png)
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ format: 'raw', width: 28, height: 28 });
    const expected = Array.from(pixels, (value) =>
      Math.round(Math.min(1, Math.max(0, value)) * 255),
    );
    expect(Array.from(data)).toEqual(expected);
  });
});
