import sharp from 'sharp';

const SIDE = 28;

/** Encodes the 28x28 model input (values in [0, 1]) as a small grey PNG: "what the model saw". */
export async function encodeInputPreview(pixels: Float32Array): Promise<Buffer> {
  const grey = Buffer.alloc(SIDE * SIDE);
  for (let index = 0; index < grey.length; index += 1) {
    grey[index] = Math.round(Math.min(1, Math.max(0, pixels[index])) * 255);
  }
  return sharp(grey, { raw: { width: SIDE, height: SIDE, channels: 1 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
