import { encodeGreyPng } from '../imaging/grey-png';

const SIDE = 28;

/** Encodes the 28x28 model input (values in [0, 1]) as a small grey PNG: "what the model saw". */
export function encodeInputPreview(pixels: Float32Array): Buffer {
  const grey = new Uint8Array(SIDE * SIDE);
  for (let index = 0; index < grey.length; index += 1) {
    grey[index] = Math.round(Math.min(1, Math.max(0, pixels[index])) * 255);
  }
  return encodeGreyPng(grey, SIDE, SIDE);
}
