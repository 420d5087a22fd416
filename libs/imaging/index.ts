/** Public surface of the imaging library, shared by the API, the worker and the CLI. */
export { decodeImage } from './decode-image';
export type { DecodedImage, DecodeOptions, PixelBox } from './decode-image';
export {
  detectImageFormat,
  formatName,
  SUPPORTED_FORMAT_NAMES,
  SUPPORTED_IMAGE_FORMATS,
} from './image-format';
export type { DetectedFormat, ImageFormat } from './image-format';
export { ImageRejectedError } from './image-rejected-error';
export type { ImageRejectionCode } from './image-rejected-error';
export { assertWithinLimits, DEFAULT_MAX_PIXELS, inspectImage } from './inspect-image';
export type { ImageInfo, ImageLimits } from './inspect-image';
export { DIGIT_IMAGE_SIZE, normaliseDigitImage } from './normalise-digit-image';
export type {
  InkPolarity,
  NormalisedDigit,
  StrokeDoubt,
  StrokeDoubtCode,
} from './normalise-digit-image';
