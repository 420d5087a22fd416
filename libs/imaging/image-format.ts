/** Raster formats the service decodes. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp' | 'tiff';

/** Every accepted format, in the order messages list them. */
export const SUPPORTED_IMAGE_FORMATS: readonly ImageFormat[] = [
  'png',
  'jpeg',
  'webp',
  'gif',
  'bmp',
  'tiff',
];

/** What the first bytes of an upload say it is. */
export type DetectedFormat =
  { isSupported: true; format: ImageFormat; name: string } | { isSupported: false; name: string };

const FORMAT_NAMES: Record<ImageFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  gif: 'GIF',
  bmp: 'BMP',
  tiff: 'TIFF',
};

/** A format as people write it, e.g. `WebP`. */
export function formatName(format: ImageFormat): string {
  return FORMAT_NAMES[format];
}

/** The accepted formats as people write them, e.g. for error messages. */
export const SUPPORTED_FORMAT_NAMES = SUPPORTED_IMAGE_FORMATS.map((format) => FORMAT_NAMES[format]);

/** ISO base media brands (the `ftyp` box) of still-image formats we recognise but refuse. */
const FTYP_BRAND_NAMES: Record<string, string> = {
  heic: 'HEIC',
  heix: 'HEIC',
  hevc: 'HEIC',
  heim: 'HEIC',
  heis: 'HEIC',
  mif1: 'HEIF',
  msf1: 'HEIF',
  avif: 'AVIF',
  avis: 'AVIF',
  crx: 'Canon RAW (CR3)',
  'jp2 ': 'JPEG 2000',
};

/**
 * Names the format of `bytes` from its magic numbers alone: a file name or declared content type
 * says what the sender believes, the bytes say what a decoder will see.
 */
export function detectImageFormat(bytes: Uint8Array): DetectedFormat {
  const supported = detectSupportedFormat(bytes);
  if (supported) {
    return { isSupported: true, format: supported, name: FORMAT_NAMES[supported] };
  }

  return { isSupported: false, name: nameRefusedFormat(bytes) };
}

function detectSupportedFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    return 'png';
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    return 'jpeg';
  }
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    return 'webp';
  }
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') {
    return 'gif';
  }
  if (ascii(bytes, 0, 2) === 'BM' && bytes.length >= 26) {
    return 'bmp';
  }
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'tiff';
  }
  return undefined;
}

function nameRefusedFormat(bytes: Uint8Array): string {
  if (ascii(bytes, 0, 5) === '%PDF-') {
    return 'PDF';
  }
  if (ascii(bytes, 4, 4) === 'ftyp') {
    return FTYP_BRAND_NAMES[ascii(bytes, 8, 4)] ?? 'an ISO media file (MP4/HEIF family)';
  }
  if (startsWith(bytes, [0x1f, 0x8b])) {
    return 'gzip (or SVGZ)';
  }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) {
    return 'ICO';
  }
  if (ascii(bytes, 0, 4) === '8BPS') {
    return 'Photoshop (PSD)';
  }
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 4) === 'JXL ') {
    return 'JPEG XL';
  }
  if (ascii(bytes, 0, 2) === 'PK') {
    return 'a ZIP archive';
  }
  return nameTextFormat(bytes) ?? 'an unknown binary format';
}

/** SVG and other XML are text: look at the start of the text, past a byte-order mark and blanks. */
function nameTextFormat(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('utf8');
  if (!isMostlyText(bytes.subarray(0, 1024))) {
    return undefined;
  }

  const start = head
    .replace(/^\uFEFF/, '')
    .trimStart()
    .toLowerCase();
  if (start.startsWith('<svg') || /^<(\?xml|!--|!doctype)[\s\S]*<svg/.test(start)) {
    return 'SVG';
  }
  if (start.startsWith('<!doctype html') || start.startsWith('<html')) {
    return 'HTML';
  }
  if (start.startsWith('<')) {
    return 'XML';
  }
  return 'text';
}

function isMostlyText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) {
    return false;
  }

  let controlBytes = 0;
  for (const byte of bytes) {
    const isWhitespace = byte === 0x09 || byte === 0x0a || byte === 0x0d;
    if (byte < 0x20 && !isWhitespace) {
      controlBytes++;
    }
  }
  return controlBytes / bytes.length < 0.01;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  if (bytes.length < offset + length) {
    return '';
  }
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
