import { setTimeout as sleep } from 'node:timers/promises';

import type { LedgerSummary, TaskLedger } from '../test/support/task-ledger';
import type { UploadPayload } from './payloads';

const MEGABYTE = 1024 * 1024;
const SAMPLE_EVERY_MS = 5000;

/** Memory of one process, read from its Prometheus endpoint. */
export interface MemoryFigures {
  rss_mb: number;
  heap_used_mb: number;
  /** Buffers and the wasm backend's memory, which lives outside the JavaScript heap. */
  external_mb: number;
}

export interface MemorySample {
  at_s: number;
  api: MemoryFigures;
  worker: MemoryFigures;
}

export interface SoakOptions {
  baseUrl: string;
  /** The worker's GET /metrics (WORKER_METRICS_PORT). */
  workerMetricsUrl: string;
  /** Installed in the stack's schema: counts completions in Postgres. */
  ledger: TaskLedger;
  /** Prebuilt upload bodies, sent in turn. */
  payloads: UploadPayload[];
  tasks: number;
  /** Tasks sent before the measurement starts, so that start-up growth is not counted. */
  warmUpTasks: number;
  /** Submissions in flight at once. */
  concurrency: number;
  finishTimeoutMs: number;
  progress?: (line: string) => void;
}

export interface SoakReport {
  tasks: LedgerSummary & { refused: number; refusals: Record<string, number> };
  memory: {
    api: { start: MemoryFigures; end: MemoryFigures; peak_rss_mb: number };
    worker: { start: MemoryFigures; end: MemoryFigures; peak_rss_mb: number };
    samples: MemorySample[];
  };
  submit_s: number;
  finish_s: number;
  tasks_per_second: number;
}

/**
 * Sends many small tasks through a running lensq and accounts for every one of them in
 * Postgres (completed, failed, lost, completed twice), sampling the API's and the worker's
 * memory as it goes: a leak shows as growth between start and end that the load explains.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const report = options.progress ?? (() => undefined);
  const warmUp = await submitAll(options, options.warmUpTasks);
  await options.ledger.waitUntilFinished(warmUp.ids, options.finishTimeoutMs);

  const started = Date.now();
  const readBoth = async (): Promise<MemorySample> => ({
    at_s: Math.round((Date.now() - started) / 100) / 10,
    api: await readMemory(`${options.baseUrl}/metrics`),
    worker: await readMemory(options.workerMetricsUrl),
  });
  const samples = [await readBoth()];
  const sampler = setInterval(() => {
    void readBoth()
      .then((sample) => samples.push(sample))
      .catch(() => undefined);
  }, SAMPLE_EVERY_MS);

  try {
    report(`soak: sending ${options.tasks} tasks, ${options.concurrency} at a time`);
    const sent = await submitAll(options, options.tasks);
    const submitSeconds = (Date.now() - started) / 1000;
    report(`soak: ${sent.ids.length} accepted in ${submitSeconds.toFixed(1)} s; waiting for them`);
    const outcomes = await options.ledger.waitUntilFinished(sent.ids, options.finishTimeoutMs);
    const finishSeconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    samples.push(await readBoth());

    const summary = options.ledger.summarise(sent.ids, outcomes);
    const refused = Object.values(sent.refusals).reduce((sum, count) => sum + count, 0);
    return {
      tasks: { ...summary, submitted: options.tasks, refused, refusals: sent.refusals },
      memory: {
        api: figuresOf(samples, 'api'),
        worker: figuresOf(samples, 'worker'),
        samples,
      },
      submit_s: round(submitSeconds),
      finish_s: round(finishSeconds),
      tasks_per_second: round(summary.completed / finishSeconds),
    };
  } finally {
    clearInterval(sampler);
  }
}

/** Sends `count` tasks with `concurrency` in flight; returns the accepted ids and the refusals. */
async function submitAll(
  options: SoakOptions,
  count: number,
): Promise<{ ids: string[]; refusals: Record<string, number> }> {
  const ids: string[] = [];
  const refusals: Record<string, number> = {};
  let next = 0;
  const client = async () => {
    while (next < count) {
      const payload = options.payloads[next % options.payloads.length];
      next += 1;
      const outcome = await submit(options.baseUrl, payload);
      if (outcome.id) ids.push(outcome.id);
      else refusals[outcome.status] = (refusals[outcome.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return { ids, refusals };
}

async function submit(
  baseUrl: string,
  payload: UploadPayload,
): Promise<{ id: string | null; status: string }> {
  try {
    const response = await fetch(`${baseUrl}/tasks/predict`, {
      method: 'POST',
      headers: { 'Content-Type': payload.contentType },
      body: new Uint8Array(payload.body),
    });
    const body = (await response.json()) as { result_id?: string };
    return {
      id: response.status === 202 ? (body.result_id ?? null) : null,
      status: String(response.status),
    };
  } catch (error) {
    await sleep(100);
    return { id: null, status: ((error as Error).cause as { code?: string })?.code ?? 'network' };
  }
}

async function readMemory(metricsUrl: string): Promise<MemoryFigures> {
  const text = await (await fetch(metricsUrl)).text();
  const valueOf = (name: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  };
  return {
    rss_mb: round(valueOf('process_resident_memory_bytes') / MEGABYTE),
    heap_used_mb: round(valueOf('nodejs_heap_size_used_bytes') / MEGABYTE),
    external_mb: round(valueOf('nodejs_external_memory_bytes') / MEGABYTE),
  };
}

function figuresOf(samples: MemorySample[], process: 'api' | 'worker') {
  return {
    start: samples[0][process],
    end: samples[samples.length - 1][process],
    peak_rss_mb: Math.max(...samples.map((sample) => sample[process].rss_mb)),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
