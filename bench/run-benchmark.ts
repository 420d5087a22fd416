import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { BenchmarkStack } from './benchmark-stack';
import { measureModelCeiling, measureNormalisationThroughput, ModelCeiling } from './ceiling';
import { LensqLoadClient, LoadResult, runClosedLoop, runOpenLoop } from './load-generator';
import { folderImages, mnistDigitPngs, UploadPayload, uploadsOf } from './payloads';
import { median, percentile, round } from './statistics';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SHARED_FOLDER = path.resolve(REPO_ROOT, '../shared');
const REAL_UPLOADS = path.join(SHARED_FOLDER, 'realworld/single');
const BATCH_SIZES = [1, 8, 16, 32, 64, 128, 256];

const USAGE = `npm run bench -- [options]

  --json                 print the results as JSON (progress goes to stderr)
  --url URL              drive a running lensq instead of starting one
  --runs N               repetitions of every load; medians are reported (default 3)
  --duration SECONDS     length of each load (default 10)
  --clients N            concurrent clients for single-image tasks (default 32)
  --batched-clients N    concurrent clients for 16-image and real-upload tasks (default 8)
  --rate N               tasks per second for the latency measurement (default 50)
  --workers N            worker processes to start (default: one per core)
  --env NAME=VALUE       a setting for the started processes; repeatable
  --label NAME           added to the results file name: bench/results/<date>-<label>.json
  --cpu-prof DIR         write a CPU profile of every started process into DIR
  --skip-ceiling         do not measure the in-process ceiling
  --loads LIST           loads to run, comma-separated: single,latency,batched,realworld
                         (default all); e.g. --loads batched for the 16-image tasks only
  --help                 this text`;

interface Options {
  json: boolean;
  url?: string;
  runs: number;
  durationMs: number;
  clients: number;
  batchedClients: number;
  rate: number;
  workers: number;
  env: Record<string, string>;
  label?: string;
  cpuProfileDirectory?: string;
  isCeilingSkipped: boolean;
  loads: Set<LoadName>;
}

const LOAD_NAMES = ['single', 'latency', 'batched', 'realworld'] as const;
type LoadName = (typeof LOAD_NAMES)[number];

/** CPU milliseconds per task of each started process, measured over a load. */
type CpuPerTask = Record<string, number>;

interface RunFigures {
  singleCpu: CpuPerTask;
  batchedCpu: CpuPerTask;
  single: LoadResult;
  latency: LoadResult;
  batched: LoadResult;
  realWorld: LoadResult;
}

/** Starts lensq (or targets one), measures ceiling and end-to-end figures, writes the report. */
async function main(): Promise<void> {
  const options = readOptions();
  const machine = describeMachine();
  progress(`machine: ${machine.cores} cores, load ${machine.load_average_at_start.join(' ')}`);

  const ceiling = options.isCeilingSkipped ? null : await measureCeiling();

  const stack = options.url ? null : startStack(options);
  const stopStack = () => stack?.stop().catch((error: Error) => progress(error.message));
  process.once('SIGINT', () => void stopStack()?.finally(() => process.exit(130)));
  try {
    if (stack) await stack.start();
    const baseUrl = options.url ?? stack!.baseUrl;
    const runs = await driveLoads(baseUrl, options, stack);
    const report = buildReport(options, machine, ceiling, runs, stack ? 'started' : baseUrl);
    const file = writeReport(report, options.label);
    progress(`results written to ${path.relative(process.cwd(), file)}`);
    process.stdout.write(
      options.json ? `${JSON.stringify(report, null, 2)}\n` : `${summaryTable(report)}\n`,
    );
  } finally {
    await stopStack();
  }
}

function startStack(options: Options): BenchmarkStack {
  return new BenchmarkStack({
    repoRoot: REPO_ROOT,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    workers: options.workers,
    env: options.env,
    cpuProfileDirectory: options.cpuProfileDirectory,
  });
}

async function measureCeiling(): Promise<{ model: ModelCeiling; normalisation: number | null }> {
  progress('ceiling: model forward pass at each batch size');
  const model = await measureModelCeiling(path.join(REPO_ROOT, 'model'), BATCH_SIZES, 30);
  progress(`ceiling: ${round(model.imagesPerSecond)} images/s at batch ${model.bestBatchSize}`);

  if (!existsSync(REAL_UPLOADS)) return { model, normalisation: null };
  const normalisation = await measureNormalisationThroughput(
    folderImages(REAL_UPLOADS).map((file) => file.bytes),
    5,
  );
  progress(`ceiling: decode + normalisation of real uploads ${round(normalisation)} images/s`);
  return { model, normalisation };
}

async function driveLoads(
  baseUrl: string,
  options: Options,
  stack: BenchmarkStack | null,
): Promise<RunFigures[]> {
  const digits = await mnistDigitPngs(SHARED_FOLDER, 256);
  const singles = uploadsOf(digits, 1, digits.length);
  const batches = uploadsOf(digits, 16, 16);
  const realUploads = existsSync(REAL_UPLOADS) ? uploadsOf(folderImages(REAL_UPLOADS), 4, 27) : [];

  const client = new LensqLoadClient(baseUrl, Math.max(options.clients, 256));
  try {
    progress(`completion observed by ${await client.detectCompletionMode()}`);
    await warmUp(client, singles, batches);

    const runs: RunFigures[] = [];
    for (let run = 1; run <= options.runs; run += 1) {
      runs.push(await oneRun(client, options, { singles, batches, realUploads }, stack));
      progress(`run ${run}/${options.runs}: ${describeRun(runs[runs.length - 1])}`);
    }
    return runs;
  } finally {
    await client.close();
  }
}

async function warmUp(
  client: LensqLoadClient,
  singles: UploadPayload[],
  batches: UploadPayload[],
): Promise<void> {
  await runClosedLoop(client, singles, { clients: 8, durationMs: 2000 });
  await runClosedLoop(client, batches, { clients: 4, durationMs: 2000 });
}

async function oneRun(
  client: LensqLoadClient,
  options: Options,
  payloads: { singles: UploadPayload[]; batches: UploadPayload[]; realUploads: UploadPayload[] },
  stack: BenchmarkStack | null,
): Promise<RunFigures> {
  const { durationMs, loads } = options;
  const singleCpu = startCpuMeter(stack);
  const single = loads.has('single')
    ? await runClosedLoop(client, payloads.singles, { clients: options.clients, durationMs })
    : emptyResult();
  const singleCpuPerTask = singleCpu(single.tasks);
  const latency = loads.has('latency')
    ? await runOpenLoop(client, payloads.singles, { ratePerSecond: options.rate, durationMs })
    : emptyResult();
  const batchedCpu = startCpuMeter(stack);
  const batched = loads.has('batched')
    ? await runClosedLoop(client, payloads.batches, {
        clients: options.batchedClients,
        durationMs,
      })
    : emptyResult();
  const batchedCpuPerTask = batchedCpu(batched.tasks);
  const realWorld =
    loads.has('realworld') && payloads.realUploads.length > 0
      ? await runClosedLoop(client, payloads.realUploads, {
          clients: options.batchedClients,
          durationMs,
        })
      : emptyResult();
  return {
    singleCpu: singleCpuPerTask,
    batchedCpu: batchedCpuPerTask,
    single,
    latency,
    batched,
    realWorld,
  };
}

/** Starts counting the stack's CPU time; the returned function gives it per task. */
function startCpuMeter(stack: BenchmarkStack | null): (tasks: number) => CpuPerTask {
  const before = stack?.cpuMilliseconds() ?? {};
  return (tasks) => {
    if (tasks === 0) return {};
    const after = stack?.cpuMilliseconds() ?? {};
    return Object.fromEntries(
      Object.keys(after).map((name) => [name, round((after[name] - before[name]) / tasks, 2)]),
    );
  };
}

function medianCpu(runs: RunFigures[], pick: (run: RunFigures) => CpuPerTask): CpuPerTask {
  const names = Object.keys(pick(runs[0]) ?? {});
  return Object.fromEntries(
    names.map((name) => [name, round(median(runs.map((run) => pick(run)[name])), 2)]),
  );
}

function buildReport(
  options: Options,
  machine: ReturnType<typeof describeMachine>,
  ceiling: Awaited<ReturnType<typeof measureCeiling>> | null,
  runs: RunFigures[],
  target: string,
) {
  const medianOf = (pick: (run: RunFigures) => number, decimals = 1) =>
    round(median(runs.map(pick)), decimals);
  const latencyAt = (p: number) => medianOf((run) => percentile(run.latency.latenciesMs, p));
  const batchedImagesPerSecond = medianOf((run) => run.batched.imagesPerSecond);
  const ceilingImagesPerSecond = ceiling ? round(ceiling.model.imagesPerSecond) : null;

  return {
    date: new Date().toISOString(),
    machine: { ...machine, load_average_at_end: loadavg().map((value) => round(value, 2)) },
    target,
    settings: {
      runs: options.runs,
      duration_seconds: options.durationMs / 1000,
      clients: options.clients,
      batched_clients: options.batchedClients,
      workers: options.url ? null : options.workers,
      env: options.env,
    },
    ceiling_images_per_second: ceilingImagesPerSecond,
    ceiling_best_batch_size: ceiling?.model.bestBatchSize ?? null,
    ceiling_by_batch_size: ceiling
      ? Object.fromEntries(
          Object.entries(ceiling.model.byBatchSize).map(([size, rate]) => [size, round(rate)]),
        )
      : null,
    normalisation_images_per_second: ceiling?.normalisation ? round(ceiling.normalisation) : null,
    single_image_tasks_per_second: medianOf((run) => run.single.tasksPerSecond),
    single_image_latency_ms_p50: medianOf((run) => percentile(run.single.latenciesMs, 50)),
    latency_tasks_per_second: options.rate,
    latency_ms_p50: latencyAt(50),
    latency_ms_p95: latencyAt(95),
    latency_ms_p99: latencyAt(99),
    batched_images_per_second: batchedImagesPerSecond,
    batched_tasks_per_second: medianOf((run) => run.batched.tasksPerSecond),
    realworld_images_per_second: medianOf((run) => run.realWorld.imagesPerSecond),
    cpu_ms_per_single_image_task: medianCpu(runs, (run) => run.singleCpu),
    cpu_ms_per_16_image_task: medianCpu(runs, (run) => run.batchedCpu),
    ratio_to_ceiling: ceilingImagesPerSecond
      ? round(batchedImagesPerSecond / ceilingImagesPerSecond, 3)
      : null,
    errors: runs.reduce(
      (sum, run) =>
        sum + run.single.errors + run.latency.errors + run.batched.errors + run.realWorld.errors,
      0,
    ),
    runs: runs.map((run) => ({
      single_image_tasks_per_second: round(run.single.tasksPerSecond),
      latency_ms_p50: round(percentile(run.latency.latenciesMs, 50)),
      latency_ms_p99: round(percentile(run.latency.latenciesMs, 99)),
      latency_achieved_tasks_per_second: round(run.latency.tasksPerSecond),
      batched_images_per_second: round(run.batched.imagesPerSecond),
      cpu_ms_per_16_image_task: run.batchedCpu,
      realworld_images_per_second: round(run.realWorld.imagesPerSecond),
    })),
  };
}

type Report = ReturnType<typeof buildReport>;

function writeReport(report: Report, label?: string): string {
  const directory = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const day = report.date.slice(0, 10);
  const file = path.join(directory, `${label ? `${day}-${label}` : day}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function summaryTable(report: Report): string {
  const rows: Array<[string, unknown]> = [
    ['in-process model ceiling (images/s)', report.ceiling_images_per_second],
    ['decode + normalisation, real uploads (images/s)', report.normalisation_images_per_second],
    ['single-image tasks/s', report.single_image_tasks_per_second],
    [`latency p50 at ${report.latency_tasks_per_second} tasks/s (ms)`, report.latency_ms_p50],
    [`latency p95 at ${report.latency_tasks_per_second} tasks/s (ms)`, report.latency_ms_p95],
    [`latency p99 at ${report.latency_tasks_per_second} tasks/s (ms)`, report.latency_ms_p99],
    ['16-image tasks (images/s)', report.batched_images_per_second],
    ['real uploads (images/s)', report.realworld_images_per_second],
    ['ratio to ceiling', report.ratio_to_ceiling],
    ['errors', report.errors],
  ];
  return rows.map(([name, value]) => `${name.padEnd(50)} ${String(value)}`).join('\n');
}

function describeRun(run: RunFigures): string {
  return (
    `${round(run.single.tasksPerSecond)} tasks/s, ` +
    `p50 ${round(percentile(run.latency.latenciesMs, 50))} ms ` +
    `p99 ${round(percentile(run.latency.latenciesMs, 99))} ms, ` +
    `${round(run.batched.imagesPerSecond)} images/s batched, ` +
    `${round(run.realWorld.imagesPerSecond)} images/s real`
  );
}

function describeMachine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    tfjs_backend: 'wasm',
    load_average_at_start: loadavg().map((value) => round(value, 2)),
  };
}

function emptyResult(): LoadResult {
  return {
    tasks: 0,
    images: 0,
    errors: 0,
    elapsedMs: 1,
    tasksPerSecond: 0,
    imagesPerSecond: 0,
    latenciesMs: [],
  };
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      clients: { type: 'string', default: '32' },
      'batched-clients': { type: 'string', default: '8' },
      rate: { type: 'string', default: '50' },
      workers: { type: 'string', default: String(cpus().length) },
      env: { type: 'string', multiple: true, default: [] },
      label: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'skip-ceiling': { type: 'boolean', default: false },
      loads: { type: 'string', default: LOAD_NAMES.join(',') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const cpuProfileDirectory = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
  if (cpuProfileDirectory) mkdirSync(cpuProfileDirectory, { recursive: true });
  return {
    json: values.json,
    url: values.url,
    runs: positive('runs', values.runs),
    durationMs: positive('duration', values.duration) * 1000,
    clients: positive('clients', values.clients),
    batchedClients: positive('batched-clients', values['batched-clients']),
    rate: positive('rate', values.rate),
    workers: positive('workers', values.workers),
    env: Object.fromEntries(
      values.env.map((setting) => {
        const separator = setting.indexOf('=');
        if (separator < 1) throw new Error(`--env expects NAME=VALUE, got "${setting}"`);
        return [setting.slice(0, separator), setting.slice(separator + 1)];
      }),
    ),
    label: values.label,
    cpuProfileDirectory,
    isCeilingSkipped: values['skip-ceiling'],
    loads: loadNames(values.loads),
  };
}

function loadNames(list: string): Set<LoadName> {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(LOAD_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(`--loads takes names among ${LOAD_NAMES.join(', ')}, got "${list}"`);
  }
  return new Set(names as LoadName[]);
}

function positive(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new Error(`--${name} must be a positive number, got "${value}"`);
  }
  return number;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
