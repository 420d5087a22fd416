/** Why an upload cannot be read as an image; stable values that callers map to HTTP statuses. */
export type ImageRejectionCode =
  'empty-file' | 'unsupported-format' | 'too-many-pixels' | 'corrupt-image';

/**
 * Thrown when uploaded bytes are not an image we accept. The message is written for the person
 * who sent the file: it says what was wrong, with the value received and what is accepted.
 */
export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';

  constructor(
    readonly code: ImageRejectionCode,
    message: string,
  ) {
    super(message);
  }
}
