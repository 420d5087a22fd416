import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'undici';

import type { UploadPayload } from './payloads';

/** How a client learns that a task finished. */
export type CompletionMode = 'long-poll' | 'poll';

/** What one task cost, seen from the client. */
export interface TaskSample {
  latencyMs: number;
  images: number;
  isCompleted: boolean;
}

export interface LoadResult {
  tasks: number;
  images: number;
  errors: number;
  elapsedMs: number;
  tasksPerSecond: number;
  imagesPerSecond: number;
  latenciesMs: number[];
}

// Long-poll for this many seconds per request; the API caps it.
const WAIT_SECONDS = 5;
// Without long-polling or a Retry-After, poll this often: as a browser client would, not less.
const POLL_INTERVAL_MS = 10;
const TASK_TIMEOUT_MS = 120_000;
const UNKNOWN_TASK = '00000000-0000-4000-8000-000000000000';

/**
 * Drives one lensq API over keep-alive connections: submit an upload, then wait for its
 * task to finish, by long-polling (`?wait=`) when the API offers it, else by polling that
 * honours Retry-After.
 */
export class LensqLoadClient {
  private readonly pool: Pool;
  private mode: CompletionMode = 'poll';

  constructor(baseUrl: string, connections: number) {
    this.pool = new Pool(baseUrl, { connections, keepAliveTimeout: 30_000 });
  }

  get completionMode(): CompletionMode {
    return this.mode;
  }

  /** An API without the `wait` parameter refuses it with 400; one with it says 404 here. */
  async detectCompletionMode(): Promise<CompletionMode> {
    const { statusCode, body } = await this.pool.request({
      method: 'GET',
      path: `/tasks/result/${UNKNOWN_TASK}?wait=0`,
    });
    await body.dump();
    this.mode = statusCode === 404 ? 'long-poll' : 'poll';
    return this.mode;
  }

  /** Submits and waits; the latency runs from just before the POST to the answer saying done. */
  async runTask(payload: UploadPayload): Promise<TaskSample> {
    const started = performance.now();
    const id = await this.submit(payload);
    const isCompleted = await this.awaitFinished(id, started + TASK_TIMEOUT_MS);
    return { latencyMs: performance.now() - started, images: payload.imageCount, isCompleted };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async submit(payload: UploadPayload): Promise<string> {
    const { statusCode, body } = await this.pool.request({
      method: 'POST',
      path: '/tasks/predict',
      headers: { 'content-type': payload.contentType },
      body: payload.body,
    });
    const answer = (await body.json()) as { result_id?: string; message?: string };
    if (statusCode !== 202 || !answer.result_id) {
      throw new Error(`POST /tasks/predict answered ${statusCode}: ${answer.message ?? ''}`);
    }
    return answer.result_id;
  }

  /** True once the task is completed, false when it failed or the deadline passed. */
  private async awaitFinished(id: string, deadline: number): Promise<boolean> {
    const query = this.mode === 'long-poll' ? `?wait=${WAIT_SECONDS}` : '';
    while (performance.now() < deadline) {
      const { statusCode, headers, body } = await this.pool.request({
        method: 'GET',
        path: `/tasks/result/${id}${query}`,
      });
      const answer = (await body.json()) as { ready?: boolean; status?: string };
      if (statusCode === 200 && answer.ready) return answer.status === 'completed';
      if (statusCode !== 200 && statusCode !== 503 && statusCode !== 429) {
        throw new Error(`GET /tasks/result/${id} answered ${statusCode}`);
      }
      if (this.mode === 'poll' || statusCode !== 200) await sleep(retryDelayMs(headers));
    }
    return false;
  }
}

/**
 * N clients, each submitting its next task as soon as the last one finished, for a while:
 * the service's throughput when it is kept busy.
 */
export async function runClosedLoop(
  client: LensqLoadClient,
  payloads: UploadPayload[],
  options: { clients: number; durationMs: number },
): Promise<LoadResult> {
  const samples: TaskSample[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const oneClient = async () => {
    while (performance.now() < deadline) {
      const payload = payloads[next++ % payloads.length];
      try {
        samples.push(await client.runTask(payload));
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, oneClient));

  return summarise(samples, errors, performance.now() - started);
}

/**
 * Tasks arriving at a fixed rate whatever the service does (an open loop), so slow
 * answers cannot hold the load back: the latency a client sees at that rate.
 */
export async function runOpenLoop(
  client: LensqLoadClient,
  payloads: UploadPayload[],
  options: { ratePerSecond: number; durationMs: number },
): Promise<LoadResult> {
  const samples: TaskSample[] = [];
  const inFlight: Array<Promise<void>> = [];
  let errors = 0;
  const intervalMs = 1000 / options.ratePerSecond;
  const count = Math.round((options.durationMs / 1000) * options.ratePerSecond);
  const started = performance.now();

  for (let index = 0; index < count; index += 1) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      client.runTask(payloads[index % payloads.length]).then(
        (sample) => void samples.push(sample),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(inFlight);

  return summarise(samples, errors, performance.now() - started);
}

function summarise(samples: TaskSample[], errors: number, elapsedMs: number): LoadResult {
  const completed = samples.filter((sample) => sample.isCompleted);
  const images = completed.reduce((sum, sample) => sum + sample.images, 0);
  return {
    tasks: completed.length,
    images,
    errors: errors + samples.length - completed.length,
    elapsedMs,
    tasksPerSecond: (completed.length * 1000) / elapsedMs,
    imagesPerSecond: (images * 1000) / elapsedMs,
    latenciesMs: completed.map((sample) => sample.latencyMs),
  };
}

function retryDelayMs(headers: Record<string, string | string[] | undefined>): number {
  const seconds = Number(headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : POLL_INTERVAL_MS;
}
