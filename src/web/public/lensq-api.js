/**
 * The page's only way to the service: the same public API as any client, submit then
 * long-poll (`?wait=`), as README.md advises clients to.
 */

/** How long the service may hold each result request before answering "not ready yet". */
const LONG_POLL_SECONDS = 10;
/** A not-ready answer quicker than this was not held: wait before asking again. */
const HELD_AT_LEAST_MS = 1000;
const FIRST_POLL_DELAY_MS = 200;
const LONGEST_POLL_DELAY_MS = 2000;
const POLL_BACKOFF = 1.5;
/** Reading one image takes well under a second; a long queue gets this long before we stop. */
const FOLLOW_TIMEOUT_MS = 3 * 60 * 1000;
/** Polls that fail to reach the service (or get a 503) in a row before the card says so. */
const MAX_FAILED_POLLS = 5;

const API_KEY_STORAGE = 'lensq.api-key';

/** Sent as X-API-Key when set; kept for this tab only, never in long-lived storage. */
export function setApiKey(key) {
  if (key) sessionStorage.setItem(API_KEY_STORAGE, key);
  else sessionStorage.removeItem(API_KEY_STORAGE);
}

export function getApiKey() {
  return sessionStorage.getItem(API_KEY_STORAGE) ?? '';
}

/** The service answered with an error in its JSON shape (or a proxy with something else). */
export class ApiError extends Error {
  constructor(status, body, retryAfterSeconds) {
    super(body?.message ?? `The service answered HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.code ?? (status >= 500 ? 'internal-error' : 'invalid-request');
    this.details = Array.isArray(body?.details) ? body.details : [];
    this.requestId = body?.request_id ?? null;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get isRetryable() {
    return this.status >= 500 || this.status === 429;
  }
}

/** The request never got an answer: offline, server down, connection reset. */
export class NetworkError extends Error {
  constructor(cause) {
    super(`Could not reach the service: ${cause?.message ?? cause}`);
    this.name = 'NetworkError';
  }
}

/** The task was accepted but no outcome came within FOLLOW_TIMEOUT_MS. */
export class FollowTimeoutError extends Error {
  constructor(resultId) {
    super(`No result for task ${resultId} after ${FOLLOW_TIMEOUT_MS / 1000} s`);
    this.name = 'FollowTimeoutError';
    this.resultId = resultId;
  }
}

/** Sends one image as its own task (multipart field `images`); resolves to the task id. */
export async function submitImage(image, filename, signal) {
  const form = new FormData();
  form.append('images', image, filename);

  const response = await request('/tasks/predict', { method: 'POST', body: form, signal });

  const body = await response.json();
  return body.result_id;
}

/**
 * Long-polls the task until it is ready, reporting every answer to `onProgress`: the service
 * answers as soon as the task finishes. Answers that come back early without a result, and
 * brief outages (network errors, 503; a few at most), are followed by a growing delay.
 */
export async function followTask(resultId, onProgress, signal) {
  const deadline = Date.now() + FOLLOW_TIMEOUT_MS;
  let delay = FIRST_POLL_DELAY_MS;
  let failedPolls = 0;

  while (Date.now() < deadline) {
    try {
      const asked = Date.now();
      const result = await fetchResult(resultId, signal);
      failedPolls = 0;
      onProgress(result);
      if (result.ready) return result;
      if (Date.now() - asked >= HELD_AT_LEAST_MS) continue;
    } catch (error) {
      const isTransient =
        error instanceof NetworkError || (error instanceof ApiError && error.isRetryable);
      failedPolls += 1;
      if (!isTransient || failedPolls > MAX_FAILED_POLLS) throw error;
      if (error.retryAfterSeconds) delay = error.retryAfterSeconds * 1000;
    }

    await wait(delay, signal);
    delay = Math.min(delay * POLL_BACKOFF, LONGEST_POLL_DELAY_MS);
  }
  throw new FollowTimeoutError(resultId);
}

async function fetchResult(resultId, signal) {
  const url = `/tasks/result/${encodeURIComponent(resultId)}?include=input&wait=${LONG_POLL_SECONDS}`;
  const response = await request(url, { signal });
  return response.json();
}

async function request(url, init) {
  let response;
  try {
    const apiKey = getApiKey();
    const headers = { Accept: 'application/json', ...(apiKey ? { 'X-API-Key': apiKey } : {}) };
    response = await fetch(url, { ...init, headers });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new NetworkError(error);
  }

  if (!response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After')) || null;
    throw new ApiError(response.status, await readJson(response), retryAfter);
  }
  return response;
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null; // not our JSON shape, e.g. a proxy's HTML error page
  }
}

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
