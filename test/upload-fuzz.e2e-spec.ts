import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';

import {
  createSeedImages,
  FuzzInput,
  generateFuzzInputs,
  SeededRandom,
  SeedImage,
} from '../libs/imaging/testing/image-mutations';
import { submitImages, TaskResult, UploadFile } from './support/lensq-client';
import { sleep, useLensqStack } from './support/lensq-stack';

// A longer or different run: LENSQ_FUZZ_SEED=7 LENSQ_FUZZ_INPUTS=20000 npx jest upload-fuzz
const FUZZ_SEED = Number(process.env.LENSQ_FUZZ_SEED ?? 4_242);
const INPUT_COUNT = Number(process.env.LENSQ_FUZZ_INPUTS ?? 2_400);
/** Multipart bodies damaged as a whole (cut short, headers garbled, boundaries broken). */
const BODY_COUNT = Number(process.env.LENSQ_FUZZ_BODIES ?? 300);
const BOUNDARY = 'lensq-fuzz-boundary';
/** The first inputs only warm the processes up (JIT, pools, caches) before memory is measured. */
const WARM_UP_SHARE = 0.25;
/** Requests in flight at once: enough to overlap work, modest on two busy cores. */
const CONCURRENCY = 4;
/** Every this many requests, three mutants travel with an undamaged seed that must be read. */
const GROUP_EVERY = 8;
const TASKS_DEADLINE_MS = 150_000;
/**
 * Growth of resident memory from the end of the warm-up to the end of the run that still counts
 * as flat: V8 and libvips keep pools that settle at some size, a leak grows with every request.
 */
const MAX_RSS_GROWTH_MB = { api: 64, worker: 96 };
const ARTIFACT = path.resolve(__dirname, '..', 'test-artifacts', 'upload-fuzz.json');

interface SentRequest {
  files: FuzzInput[];
  /** How the multipart body itself was damaged, when it was. */
  bodyMutation: string | null;
  /** Position in `files` of the undamaged seed, if the request carries one. */
  cleanIndex: number | null;
  status: number | 'reset';
  body: unknown;
}

interface ProcessMemory {
  api: number;
  worker: number;
}

/**
 * Thousands of damaged images, and damaged multipart bodies, against the real API and worker:
 * never a 5xx, never a reset connection, every accepted task finished, memory flat.
 */
describe('Upload fuzzing (real API and worker)', () => {
  const stack = useLensqStack();
  const requests: SentRequest[] = [];
  const results = new Map<string, TaskResult | 'timeout'>();
  let memory: { beforeWarmUp: ProcessMemory; afterWarmUp: ProcessMemory; after: ProcessMemory };
  let peak: ProcessMemory;
  let durations: { sendMs: number; tasksMs: number };

  beforeAll(async () => {
    const seeds = await createSeedImages();
    const inputs = generateFuzzInputs(seeds, INPUT_COUNT, FUZZ_SEED);
    const warmUpCount = Math.round(inputs.length * WARM_UP_SHARE);
    const stopSampling = sampleMemoryPeak(stack.api.child.pid!, stack.worker.child.pid!);
    const beforeWarmUp = readMemory(stack.api.child.pid!, stack.worker.child.pid!);

    const started = Date.now();
    requests.push(...(await sendAll(stack.baseUrl, inputs.slice(0, warmUpCount), seeds)));
    await waitForTasks(stack.baseUrl, acceptedIds(requests), results);
    const afterWarmUp = readMemory(stack.api.child.pid!, stack.worker.child.pid!);

    const sendStarted = Date.now();
    const measured = await sendAll(stack.baseUrl, inputs.slice(warmUpCount), seeds);
    measured.push(...(await sendDamagedBodies(stack.port, seeds)));
    requests.push(...measured);
    const sendMs = Date.now() - sendStarted;
    await waitForTasks(stack.baseUrl, acceptedIds(measured), results);
    const after = readMemory(stack.api.child.pid!, stack.worker.child.pid!);

    peak = stopSampling();
    memory = { beforeWarmUp, afterWarmUp, after };
    durations = { sendMs, tasksMs: Date.now() - started };
    writeReport(requests, results, memory, peak, durations);
  }, 300_000);

  it('should answer every request with 2xx or 4xx, never 5xx', () => {
    const serverErrors = requests.filter(
      (request) => typeof request.status === 'number' && request.status >= 500,
    );

    expect(serverErrors.map(describeRequest)).toEqual([]);
  });

  it('should never reset a connection', () => {
    const resets = requests.filter((request) => request.status === 'reset');

    expect(resets.map(describeRequest)).toEqual([]);
  });

  it('should refuse in the one error shape, naming each bad file', () => {
    const badShapes = requests.filter((request) => {
      if (typeof request.status !== 'number' || request.status < 400) return false;
      const body = request.body as { code?: unknown; message?: unknown; details?: unknown };
      return typeof body.code !== 'string' || typeof body.message !== 'string' || !body.details;
    });

    expect(badShapes.map(describeRequest)).toEqual([]);
  });

  it('should accept some mutants and refuse others, so both paths were exercised', () => {
    const statuses = new Set(requests.map((request) => request.status));

    expect(statuses).toContain(202);
    expect([...statuses].some((status) => typeof status === 'number' && status >= 400)).toBe(true);
  });

  it('should complete every accepted task, with a digit or an error for each image', () => {
    const unfinished = [...results].filter(
      ([, result]) =>
        result === 'timeout' ||
        result.status !== 'completed' ||
        result.images.some((image) => image.digit === null && image.error === null),
    );

    expect(unfinished.map(([id, result]) => `${id}: ${JSON.stringify(result)}`)).toEqual([]);
  });

  it('should read the undamaged seed beside damaged siblings', () => {
    const groups = requests.filter(
      (request) => request.cleanIndex !== null && request.status === 202,
    );
    const unread = groups.filter((request) => {
      const result = results.get((request.body as { result_id: string }).result_id);
      const clean = result === 'timeout' ? undefined : result?.images[request.cleanIndex!];
      return clean?.digit !== 7;
    });

    expect(groups.length).toBeGreaterThan(0);
    expect(unread.map(describeRequest)).toEqual([]);
  });

  it('should still serve and read a digit afterwards', async () => {
    const seed = (await createSeedImages())[0];

    const response = await submitImages(stack.baseUrl, [toUpload(seed.name, seed.bytes)]);
    const { result_id: id } = (await response.json()) as { result_id: string };
    const finished = new Map<string, TaskResult | 'timeout'>();
    await waitForTasks(stack.baseUrl, [id], finished);

    expect(response.status).toBe(202);
    expect(finished.get(id)).toMatchObject({ status: 'completed', value: ['7'] });
    expect(stack.api.child.exitCode).toBeNull();
    expect(stack.worker.child.exitCode).toBeNull();
  });

  it('should keep the memory of the API and the worker flat after the warm-up', () => {
    const growth = {
      api: memory.after.api - memory.afterWarmUp.api,
      worker: memory.after.worker - memory.afterWarmUp.worker,
    };

    expect(growth.api).toBeLessThan(MAX_RSS_GROWTH_MB.api);
    expect(growth.worker).toBeLessThan(MAX_RSS_GROWTH_MB.worker);
  });
});

/** Sends the inputs, a request per mutant, some in groups with a clean seed; CONCURRENCY at once. */
async function sendAll(
  baseUrl: string,
  inputs: FuzzInput[],
  seeds: SeedImage[],
): Promise<SentRequest[]> {
  const planned = planRequests(inputs, seeds);
  const sent: SentRequest[] = [];
  let next = 0;
  const sender = async () => {
    while (next < planned.length) {
      const request = planned[next++];
      sent.push(await send(baseUrl, request));
    }
  };

  await Promise.all(Array.from({ length: CONCURRENCY }, sender));
  return sent;
}

function planRequests(
  inputs: FuzzInput[],
  seeds: SeedImage[],
): Array<Omit<SentRequest, 'status' | 'body'>> {
  const planned: Array<Omit<SentRequest, 'status' | 'body'>> = [];
  for (let index = 0; index < inputs.length;) {
    const isGroup = planned.length % GROUP_EVERY === GROUP_EVERY - 1;
    if (!isGroup) {
      planned.push({ files: [inputs[index++]], cleanIndex: null, bodyMutation: null });
      continue;
    }
    const mutants = inputs.slice(index, index + 3);
    index += mutants.length;
    const seed = seeds[planned.length % seeds.length];
    const clean = { name: `clean-${seed.name}`, bytes: seed.bytes, mutation: 'none' };
    planned.push({
      files: [mutants[0], clean, ...mutants.slice(1)],
      cleanIndex: 1,
      bodyMutation: null,
    });
  }
  return planned;
}

async function send(
  baseUrl: string,
  request: Omit<SentRequest, 'status' | 'body'>,
): Promise<SentRequest> {
  try {
    const response = await submitImages(
      baseUrl,
      request.files.map((file) => toUpload(file.name, file.bytes)),
    );
    return { ...request, status: response.status, body: await response.json() };
  } catch (error) {
    // fetch rejects when the server resets or closes the connection without an answer.
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    return { ...request, status: 'reset', body: cause };
  }
}

type BodyMutator = (body: Buffer, random: SeededRandom) => Buffer;

/** Ways a multipart body breaks in transit or in a careless client; the framing stays valid. */
const BODY_MUTATORS: Record<string, BodyMutator> = {
  'cut-short': (body, random) => body.subarray(0, random.integer(body.length)),
  'part-header-bytes': (body, random) => {
    const copy = Buffer.from(body);
    for (let flips = 1 + random.integer(4); flips > 0; flips--) {
      copy[random.integer(Math.min(copy.length, 160))] = random.integer(256);
    }
    return copy;
  },
  'closing-boundary-lost': (body) => body.subarray(0, body.lastIndexOf(`--${BOUNDARY}--`)),
  'duplicated-disposition': (body) =>
    Buffer.from(
      body
        .toString('latin1')
        .replace(
          'Content-Disposition: form-data; name="images"',
          'Content-Disposition: form-data; name="other"; filename="x"\r\n$&',
        ),
      'latin1',
    ),
  'random-tail': (body, random) => Buffer.concat([body, random.bytes(random.integer(512))]),
};

/** Well-framed requests (a correct Content-Length) whose multipart body is damaged. */
async function sendDamagedBodies(port: number, seeds: SeedImage[]): Promise<SentRequest[]> {
  const random = new SeededRandom(FUZZ_SEED + 1);
  const sent: SentRequest[] = [];
  for (let index = 0; index < BODY_COUNT; index++) {
    const files = [random.pick(seeds), random.pick(seeds)].map((seed) => ({
      name: seed.name,
      bytes: seed.bytes,
      mutation: 'none',
    }));
    const bodyMutation = random.pick(Object.keys(BODY_MUTATORS));
    const body = BODY_MUTATORS[bodyMutation](multipartBody(files), random);

    const answer = await postBody(port, body);
    sent.push({ files, cleanIndex: null, bodyMutation, ...answer });
  }
  return sent;
}

function multipartBody(files: FuzzInput[]): Buffer {
  const parts = files.flatMap((file) => [
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="${file.name}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file.bytes,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

/** Posts raw bytes with node:http, so a reset connection shows as such instead of a status. */
function postBody(port: number, body: Buffer): Promise<Pick<SentRequest, 'status' | 'body'>> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/tasks/predict',
        headers: {
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          'content-length': body.length,
        },
      },
      (res) => {
        const received: Buffer[] = [];
        res.on('data', (chunk: Buffer) => received.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(received)) }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ status: 'reset', body: error.code ?? error.message }),
    );
    req.end(body);
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes.toString('utf8').slice(0, 200);
  }
}

function toUpload(name: string, bytes: Buffer): UploadFile {
  return { name, bytes, type: 'application/octet-stream' };
}

function acceptedIds(requests: SentRequest[]): string[] {
  return requests
    .filter((request) => request.status === 202)
    .map((request) => (request.body as { result_id: string }).result_id);
}

/** Polls the tasks, CONCURRENCY at a time, until each is ready or the deadline passes. */
async function waitForTasks(
  baseUrl: string,
  ids: string[],
  results: Map<string, TaskResult | 'timeout'>,
): Promise<void> {
  const deadline = Date.now() + TASKS_DEADLINE_MS;
  let next = 0;
  const poller = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      results.set(id, await pollUntilReady(baseUrl, id, deadline));
    }
  };

  await Promise.all(Array.from({ length: CONCURRENCY }, poller));
}

async function pollUntilReady(
  baseUrl: string,
  id: string,
  deadline: number,
): Promise<TaskResult | 'timeout'> {
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/tasks/result/${id}`);
    const result = (await response.json()) as TaskResult;
    if (result.ready) return result;
    await sleep(100);
  }
  return 'timeout';
}

/** Resident memory of both processes in MB, from /proc (Linux), where a leak shows first. */
function readMemory(apiPid: number, workerPid: number): ProcessMemory {
  return { api: residentMegabytes(apiPid), worker: residentMegabytes(workerPid) };
}

function residentMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  return Math.round(kilobytes / 1024);
}

/** Samples both processes every half second; the returned function stops and gives the peaks. */
function sampleMemoryPeak(apiPid: number, workerPid: number): () => ProcessMemory {
  const peak = { api: 0, worker: 0 };
  const timer = setInterval(() => {
    const now = readMemory(apiPid, workerPid);
    peak.api = Math.max(peak.api, now.api);
    peak.worker = Math.max(peak.worker, now.worker);
  }, 500);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

function describeRequest(request: SentRequest): string {
  const files = request.files.map((file) => file.name).join(', ');
  const damage = request.bodyMutation ? ` in a body damaged by ${request.bodyMutation}` : '';
  return `${request.status} for [${files}]${damage}: ${JSON.stringify(request.body).slice(0, 300)}`;
}

function writeReport(
  requests: SentRequest[],
  results: Map<string, TaskResult | 'timeout'>,
  memory: Record<string, ProcessMemory>,
  peak: ProcessMemory,
  durations: { sendMs: number; tasksMs: number },
): void {
  const count = <T>(items: T[], key: (item: T) => string) =>
    items.reduce<Record<string, number>>((tally, item) => {
      tally[key(item)] = (tally[key(item)] ?? 0) + 1;
      return tally;
    }, {});
  const finished = [...results.values()].filter((result) => result !== 'timeout');
  const images = finished.flatMap((result) => result.images);

  mkdirSync(path.dirname(ARTIFACT), { recursive: true });
  writeFileSync(
    ARTIFACT,
    JSON.stringify(
      {
        seed: FUZZ_SEED,
        inputs: INPUT_COUNT,
        concurrency: CONCURRENCY,
        requests: requests.length,
        damaged_bodies: BODY_COUNT,
        damaged_body_statuses: count(
          requests.filter((request) => request.bodyMutation !== null),
          (request) => `${request.bodyMutation} ${request.status}`,
        ),
        statuses: count(requests, (request) => String(request.status)),
        refusal_codes: count(
          requests.filter((request) => typeof request.status === 'number' && request.status >= 400),
          (request) => (request.body as { code: string }).code,
        ),
        mutations_accepted: count(
          requests.filter((request) => request.status === 202).flatMap((request) => request.files),
          (file) => file.mutation,
        ),
        tasks: results.size,
        task_statuses: count([...results.values()], (result) =>
          result === 'timeout' ? 'timeout' : result.status,
        ),
        image_outcomes: count(images, (image) => image.error?.code ?? 'digit'),
        memory_mb: { ...memory, peak, max_growth_allowed: MAX_RSS_GROWTH_MB },
        durations_ms: { measured_send: durations.sendMs, whole_run: durations.tasksMs },
      },
      null,
      2,
    ),
  );
}
