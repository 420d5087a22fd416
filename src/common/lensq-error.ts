/** Every error code a client can receive, each mapped to one HTTP status by the global filter. */
export const ERROR_STATUS = {
  'invalid-request': 400,
  'invalid-task-id': 400,
  'empty-file': 400,
  'corrupt-image': 400,
  unauthorized: 401,
  'task-not-found': 404,
  'task-in-progress': 409,
  'task-expired': 410,
  'idempotency-key-reused': 422,
  'too-many-files': 413,
  'file-too-large': 413,
  'request-too-large': 413,
  'too-many-pixels': 413,
  'unsupported-format': 415,
  'too-many-requests': 429,
  'service-unavailable': 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A problem with one uploaded file, listed in the error's `details`. */
export interface FileProblem {
  file: string;
  index: number;
  code: string;
  message: string;
}

/** A failure the client can act on: the filter answers it with its code's status and message. */
export class LensqError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: FileProblem[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'LensqError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
