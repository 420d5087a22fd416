import sharp from 'sharp';

import {
  encodeInputPreview,
  encodeInputPreviewPixels,
  INPUT_PREVIEW_BYTES,
  toInputPreviewPixels,
} from './input-preview';

function sampleInput(): Float32Array {
  const pixels = Float32Array.from({ length: 784 }, (_, index) => (index % 29) / 28);
  pixels[0] = 1.5;
  pixels[1] = -0.5;
  return pixels;
}

describe(encodeInputPreview.name, () => {
  it('should encode a 28x28 grey PNG that decodes to the input scaled to 0-255', async () => {
    const pixels = sampleInput();

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

describe(encodeInputPreviewPixels.name, () => {
  it('should encode stored preview pixels to the same PNG as the input they came from', () => {
    const pixels = sampleInput();

    const stored = toInputPreviewPixels(pixels);

    expect(stored).toHaveLength(INPUT_PREVIEW_BYTES);
    expect(encodeInputPreviewPixels(stored).equals(encodeInputPreview(pixels))).toBe(true);
  });

  it('should refuse pixels that are not a 28x28 preview', () => {
    expect(() => encodeInputPreviewPixels(new Uint8Array(100))).toThrow(/784 pixels, not 100/);
  });
});
