import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import sharp from 'sharp';

import { freePort } from '../test/support/local-services';
import { TaskLedger } from '../test/support/task-ledger';
import { BenchmarkStack } from './benchmark-stack';
import { mnistDigitPngs, multipartBody, UploadFile } from './payloads';
import { runSoak } from './soak-run';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SHARED_FOLDER = path.resolve(REPO_ROOT, '../shared');
const MNIST_IMAGES = path.join(SHARED_FOLDER, 'data/mnist/t10k-images-idx3-ubyte.gz');

const USAGE = `npm run soak -- [options]

  --tasks N          single-image tasks to send (default 3000)
  --concurrency N    submissions in flight at once (default 16)
  --label NAME       added to the results file name: bench/results/soak-<date>-<label>.json
  --help             this text

Starts the API and one worker from dist/ (with a Postgres schema and Redis key prefix of
their own, removed at the end), sends the tasks, accounts for each in Postgres, and writes
tasks submitted / completed / lost / duplicated and the API's and worker's memory at start
and end to bench/results/soak-<date>.json. REDIS_URL and DATABASE_URL choose the servers.`;

async function main(): Promise<void> {
  const options = readOptions();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const workerMetricsPort = await freePort();
  const stack = new BenchmarkStack({
    repoRoot: REPO_ROOT,
    redisUrl,
    databaseUrl,
    workers: 1,
    env: { WORKER_METRICS_PORT: String(workerMetricsPort), LOG_LEVEL: 'warn' },
  });
  const ledger = new TaskLedger(databaseUrl, stack.schema);

  const started = new Date();
  progress(`soak: starting lensq (logs in ${stack.logDirectory})`);
  await stack.start();
  try {
    await ledger.install();
    const report = await runSoak({
      baseUrl: stack.baseUrl,
      workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
      ledger,
      payloads: (await smallImages()).map((image) => multipartBody([image])),
      tasks: options.tasks,
      warmUpTasks: 100,
      concurrency: options.concurrency,
      finishTimeoutMs: Math.max(120_000, options.tasks * 200),
      progress,
    });
    const file = writeReport(started, options.label, {
      date: started.toISOString(),
      machine: { cores: cpus().length, load_average_at_start: loadavg().map(round) },
      settings: { tasks: options.tasks, concurrency: options.concurrency, workers: 1 },
      ...report,
    });
    const { tasks, memory } = report;
    progress(
      `soak: ${tasks.submitted} submitted, ${tasks.completed} completed, ${tasks.failed} failed, ` +
        `${tasks.lost} lost, ${tasks.duplicated} duplicated, ${tasks.refused} refused; ` +
        `worker RSS ${memory.worker.start.rss_mb} → ${memory.worker.end.rss_mb} MB, ` +
        `API RSS ${memory.api.start.rss_mb} → ${memory.api.end.rss_mb} MB; ${file}`,
    );
    if (tasks.lost > 0 || tasks.duplicated > 0 || tasks.failed > 0) process.exitCode = 1;
  } finally {
    await ledger.close().catch(() => undefined);
    await stack.stop();
  }
}

/** 28x28 MNIST test digits when ../shared has them, otherwise one drawn bar. */
async function smallImages(): Promise<UploadFile[]> {
  if (existsSync(MNIST_IMAGES)) return mnistDigitPngs(SHARED_FOLDER, 200);
  progress(`soak: ${MNIST_IMAGES} is absent, sending a drawn bar instead of MNIST digits`);
  const pixels = Buffer.alloc(28 * 28, 255);
  for (let y = 4; y < 24; y += 1) pixels.fill(0, y * 28 + 13, y * 28 + 16);
  const bytes = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
  return [{ filename: 'bar.png', bytes }];
}

function readOptions(): { tasks: number; concurrency: number; label?: string } {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '16' },
      label: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const tasks = Number(values.tasks);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(tasks) || tasks < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
    process.stderr.write(`--tasks and --concurrency must be positive integers\n\n${USAGE}\n`);
    process.exit(2);
  }
  return { tasks, concurrency, label: values.label };
}

function writeReport(started: Date, label: string | undefined, report: unknown): string {
  const directory = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const stamp = started.toISOString().slice(0, 19).replace(/:/g, '-');
  const file = path.join(directory, `soak-${stamp}${label ? `-${label}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return path.relative(process.cwd(), file);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

main().catch((error: Error) => {
  process.stderr.write(`soak failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
