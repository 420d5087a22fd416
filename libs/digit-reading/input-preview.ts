import { encodeGreyPng } from '../imaging/grey-png';

const SIDE = 28;

/** Bytes of a stored input preview: the 28x28 model input as 8-bit grey, row by row. */
export const INPUT_PREVIEW_BYTES = SIDE * SIDE;

/** The 28x28 model input (values in [0, 1]) as 8-bit grey pixels, as its preview shows it. */
export function toInputPreviewPixels(pixels: Float32Array): Uint8Array {
  const grey = new Uint8Array(INPUT_PREVIEW_BYTES);
  for (let index = 0; index < grey.length; index += 1) {
    grey[index] = Math.round(Math.min(1, Math.max(0, pixels[index])) * 255);
  }
  return grey;
}

/** Encodes preview pixels (from toInputPreviewPixels) as a small grey PNG: "what the model saw". */
export function encodeInputPreviewPixels(grey: Uint8Array): Buffer {
  if (grey.length !== INPUT_PREVIEW_BYTES) {
    throw new Error(`An input preview has ${INPUT_PREVIEW_BYTES} pixels, not ${grey.length}`);
  }
  return encodeGreyPng(grey, SIDE, SIDE);
}

/** Encodes the 28x28 model input (values in [0, 1]) as a small grey PNG: "what the model saw". */
export function encodeInputPreview(pixels: Float32Array): Buffer {
  return encodeInputPreviewPixels(toInputPreviewPixels(pixels));
}
