import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { sleep } from './lensq-stack';

export interface UploadFile {
  name: string;
  bytes: Buffer;
  type?: string;
}

export function fileFromDisk(file: string): UploadFile {
  return { name: path.basename(file), bytes: readFileSync(file) };
}

/** Submits files the way any HTTP client would: multipart, field `images`. */
export async function submitImages(
  baseUrl: string,
  files: UploadFile[],
  field = 'images',
): Promise<Response> {
  const form = new FormData();
  for (const file of files) {
    form.append(
      field,
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
      file.name,
    );
  }
  return fetch(`${baseUrl}/tasks/predict`, { method: 'POST', body: form });
}

export interface TaskResult {
  result_id: string;
  ready: boolean;
  successful: boolean | null;
  value: Array<string | null> | null;
  status: string;
  images: Array<{
    index: number;
    filename: string;
    digit: number | null;
    confidence: number | null;
    uncertain: boolean;
    doubts: string[];
    probabilities: number[] | null;
    error: { code: string; message: string } | null;
    input?: string;
  }>;
  error: string | null;
  model_version: string | null;
}

/** Polls the result until it is ready, failing the test with the last answer after `timeoutMs`. */
export async function waitForResult(
  baseUrl: string,
  id: string,
  timeoutMs = 60_000,
  init: RequestInit = {},
): Promise<TaskResult> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/tasks/result/${id}`, init);
    last = await response.json();
    if (response.status === 200 && (last as TaskResult).ready) return last as TaskResult;
    await sleep(50);
  }
  throw new Error(
    `Task ${id} not ready after ${timeoutMs} ms; last answer: ${JSON.stringify(last)}`,
  );
}
