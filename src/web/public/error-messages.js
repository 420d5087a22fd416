import { ApiError, FollowTimeoutError, NetworkError } from './lensq-api.js';

/** What each error code means for the person looking at the card. */
const PLAIN_WORDS = {
  'unsupported-format':
    'This file is not an image lensq can read. Send a PNG, JPEG, WebP, GIF, BMP or TIFF image.',
  'corrupt-image': 'This image is damaged or cut short, so it cannot be opened.',
  'empty-file': 'This file is empty.',
  'file-too-large': 'This file is too large to send.',
  'request-too-large': 'This upload is too large to send.',
  'too-many-files': 'Too many files were sent at once.',
  'too-many-pixels': 'This image has too many pixels. Make it smaller and send it again.',
  'blank-image':
    'No digit found: the image looks empty. Write darker or bigger, or use more contrast.',
  'not-a-digit': 'No digit found: this looks like something else (a scribble, a shape, a symbol).',
  'invalid-request': 'lensq could not understand this upload.',
  'service-unavailable': 'lensq is unavailable right now. Try again in a moment.',
  unauthorized: 'This lensq needs an API key. Enter yours under "API key" below, then try again.',
  'too-many-requests': 'Too many images in a short time. Wait a moment, then try again.',
  'internal-error': 'Something went wrong inside lensq.',
};

/**
 * Turns anything that went wrong for one card into a summary in plain words, the service's
 * own, more precise message, and whether trying again could help.
 * @returns {{ code: string, summary: string, detail: string, isRetryable: boolean }}
 */
export function describeError(error) {
  if (error instanceof NetworkError) {
    return {
      code: 'network',
      summary: 'Cannot reach lensq. Check the connection, then try again.',
      detail: '',
      isRetryable: true,
    };
  }
  if (error instanceof FollowTimeoutError) {
    return {
      code: 'timeout',
      summary: 'lensq accepted this image but has not read it yet. It may be very busy.',
      detail: `Task ${error.resultId}`,
      isRetryable: true,
    };
  }
  if (error instanceof ApiError) return describeApiError(error);

  return {
    code: 'unexpected',
    summary: 'Something went wrong on this page.',
    detail: String(error?.message ?? error),
    isRetryable: true,
  };
}

/** For an image the worker could not read: `{code, message}` from the result. */
export function describeImageError(imageError) {
  return {
    code: imageError.code,
    summary: PLAIN_WORDS[imageError.code] ?? 'lensq could not read a digit in this image.',
    detail: imageError.message,
    isRetryable: false,
  };
}

/** For a task that failed as a whole: `error` of the result is a sentence. */
export function describeTaskFailure(message) {
  return {
    code: 'task-failed',
    summary: 'lensq could not finish reading this image.',
    detail: message ?? '',
    isRetryable: true,
  };
}

function describeApiError(error) {
  // One file per task, so the first detail is this file's own reason.
  const [problem] = error.details;
  const code = problem?.code ?? error.code;
  const detail = [problem?.message ?? error.message, referenceOf(error)].filter(Boolean);

  return {
    code,
    summary: PLAIN_WORDS[code] ?? `lensq refused this file (HTTP ${error.status}).`,
    detail: detail.join(' '),
    // After a 401 the person can enter a key, and then trying again helps.
    isRetryable: error.isRetryable || code === 'unauthorized',
  };
}

function referenceOf(error) {
  return error.requestId ? `(reference ${error.requestId})` : '';
}
