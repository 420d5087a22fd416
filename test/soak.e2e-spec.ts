import { multipartBody } from '../bench/payloads';
import { runSoak, SoakReport } from '../bench/soak-run';
import { DATABASE_URL, freePort, LensqStack } from './support/lensq-stack';
import { syntheticDigitPng } from './support/synthetic-images';
import { TaskLedger } from './support/task-ledger';

const TASKS = 1000;
// Generous: the heap of a process that keeps no per-task state must not grow with the load.
const MAX_HEAP_GROWTH_MB = 64;

/** A bounded `npm run soak`: a thousand small tasks, every one accounted for in Postgres. */
describe('Soak: a thousand small tasks through the real API and worker', () => {
  let stack: LensqStack;
  let ledger: TaskLedger;
  let workerMetricsPort = 0;

  beforeAll(async () => {
    workerMetricsPort = await freePort();
    stack = new LensqStack({ WORKER_METRICS_PORT: String(workerMetricsPort) });
    await stack.start();
    ledger = new TaskLedger(DATABASE_URL, stack.schema);
    await ledger.install();
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
    await stack?.stop();
  }, 60_000);

  it('should complete every task exactly once without the heaps growing with the load', async () => {
    const images = [syntheticDigitPng(0), syntheticDigitPng(1)];

    const report: SoakReport = await runSoak({
      baseUrl: stack.baseUrl,
      workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
      ledger,
      payloads: images.map((image) =>
        multipartBody([{ filename: image.name, bytes: image.bytes }]),
      ),
      tasks: TASKS,
      warmUpTasks: 50,
      concurrency: 8,
      finishTimeoutMs: 90_000,
    });
    process.stderr.write(
      `soak: ${JSON.stringify({ ...report, memory: { ...report.memory, samples: undefined } })}\n`,
    );
    const { api, worker } = report.memory;

    expect(report.tasks).toMatchObject({
      submitted: TASKS,
      completed: TASKS,
      failed: 0,
      lost: 0,
      duplicated: 0,
      refused: 0,
    });
    expect(api.end.heap_used_mb - api.start.heap_used_mb).toBeLessThan(MAX_HEAP_GROWTH_MB);
    expect(worker.end.heap_used_mb - worker.start.heap_used_mb).toBeLessThan(MAX_HEAP_GROWTH_MB);
  }, 150_000);
});
