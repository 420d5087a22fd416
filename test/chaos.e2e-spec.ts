import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { fileFromDisk, submitImages, UploadFile } from './support/lensq-client';
import { AppProcess, DATABASE_URL, LensqStack, sleep } from './support/lensq-stack';
import { LoopbackRedis } from './support/loopback-redis';
import { hasSharedData, realWorldSingleImages } from './support/shared-data';
import { syntheticDigitPng } from './support/synthetic-images';
import { TaskLedger, TaskOutcome } from './support/task-ledger';

const CHAOS_TASKS = 300;
const SUBMITTERS = 6;
const SUBMISSION_SPREAD_MS = 38_000;
// Short lock and reconcile periods so that recovery fits in a test; production keeps 30 s.
const CHAOS_SETTINGS = { QUEUE_LOCK_SECONDS: '4', RECONCILE_INTERVAL_SECONDS: '2' };
const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts');

/** One image per task; the real handwriting when ../shared has it, synthetic digits otherwise. */
function chaosImages(): UploadFile[] {
  if (hasSharedData('realworld', 'single')) {
    return realWorldSingleImages().map((image) => fileFromDisk(image.file));
  }
  process.stderr.write('chaos: ../shared/realworld/single is absent, using synthetic digits\n');
  return Array.from({ length: 20 }, (_, index) => syntheticDigitPng(index % 2 === 0 ? 0 : 1));
}

interface Submission {
  file: string;
  id: string | null;
  /** Answers other than 202 (or connection errors) before it was accepted. */
  refusals: string[];
  acceptMs: number;
}

/**
 * Submits `count` tasks at a steady pace over `spreadMs` from a few concurrent clients, so
 * that the failures below land in the middle of the traffic, and retries a refused
 * submission the way a client would (the API may be restarting).
 */
class Submitter {
  readonly submissions: Submission[] = [];
  private next = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly images: UploadFile[],
    private readonly count: number,
    private readonly spreadMs = 0,
  ) {}

  async run(clients: number): Promise<void> {
    const started = Date.now();
    await Promise.all(Array.from({ length: clients }, () => this.client(started)));
  }

  private async client(started: number): Promise<void> {
    while (this.next < this.count) {
      const index = this.next;
      this.next += 1;
      await sleep(started + (index * this.spreadMs) / this.count - Date.now());
      this.submissions.push(await this.submitOne(this.images[index % this.images.length]));
    }
  }

  private async submitOne(file: UploadFile): Promise<Submission> {
    const refusals: string[] = [];
    for (let attempt = 0; attempt < 120; attempt += 1) {
      const started = performance.now();
      try {
        const response = await submitImages(this.baseUrl, [file]);
        const body = (await response.json()) as { result_id?: string };
        if (response.status === 202 && body.result_id) {
          const acceptMs = performance.now() - started;
          return { file: file.name, id: body.result_id, refusals, acceptMs };
        }
        refusals.push(String(response.status));
      } catch (error) {
        refusals.push(((error as Error).cause as { code?: string })?.code ?? 'network-error');
      }
      await sleep(250);
    }
    return { file: file.name, id: null, refusals, acceptMs: 0 };
  }
}

describe('Chaos: no accepted task is lost or done twice while processes and Redis fail', () => {
  const redis = new LoopbackRedis();
  let stack: LensqStack;
  let ledger: TaskLedger;
  const workers: AppProcess[] = [];
  const images = chaosImages();
  const reference = new Map<string, string>();

  beforeAll(async () => {
    await redis.start();
    stack = new LensqStack({ REDIS_URL: redis.url, ...CHAOS_SETTINGS });
    await stack.start();
    workers.push(stack.worker);
    ledger = new TaskLedger(DATABASE_URL, stack.schema);
    await ledger.install();
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
    await stack?.stop();
    await redis.kill();
  }, 60_000);

  it('should read every image once, undisturbed, for reference', async () => {
    const submitter = new Submitter(stack.baseUrl, images, images.length);

    await submitter.run(SUBMITTERS);
    const ids = submitter.submissions.map((submission) => submission.id!);
    const outcomes = await ledger.waitUntilFinished(ids, 90_000);
    submitter.submissions.forEach((submission) =>
      reference.set(submission.file, digitsOf(outcomes.get(submission.id!))),
    );

    expect(ledger.summarise(ids, outcomes)).toMatchObject({ completed: images.length, lost: 0 });
  }, 120_000);

  it('should complete every accepted task exactly once, with the reference digits, through kills and restarts', async () => {
    const submitter = new Submitter(stack.baseUrl, images, CHAOS_TASKS, SUBMISSION_SPREAD_MS);
    const events: string[] = [];
    const started = Date.now();
    const note = (event: string) =>
      events.push(`${((Date.now() - started) / 1000).toFixed(1)} s ${event}`);
    const at = (seconds: number) => sleep(started + seconds * 1000 - Date.now());
    const replaceWorker = async () => {
      stack.worker = stack.spawn('worker');
      workers.push(stack.worker);
      await stack.worker.waitForLine(/Worker ready/);
      note('worker ready');
    };

    const chaos = async () => {
      await at(3);
      note(`worker SIGKILL with ${await killWorkerMidJob()} job(s) active; a new one starts`);
      await replaceWorker();
      await at(15);
      note(`worker SIGKILL with ${await killWorkerMidJob()} job(s) active, not replaced yet`);
      await sleep(2000);
      note('Redis killed, restarted empty 1 s later; then a new worker');
      await redis.restartEmpty(1000);
      await replaceWorker();
      await at(26);
      note('API SIGTERM, then a new API');
      await stack.api.stop('SIGTERM');
      stack.api = stack.spawn('api');
      await stack.api.waitForLine(/API listening on port/);
      note('API listening');
      await at(34);
      note('Redis FLUSHALL');
      await redis.flushAll();
    };
    /** SIGKILLs the worker as soon as it holds a job, so that the job is cut off mid-way. */
    const killWorkerMidJob = async () => {
      let active = 0;
      for (let tries = 0; tries < 100 && active === 0; tries += 1) {
        active = await redis.activeJobs(stack.queuePrefix);
        if (active === 0) await sleep(20);
      }
      await stack.worker.stop('SIGKILL');
      return active;
    };
    await Promise.all([submitter.run(SUBMITTERS), chaos()]);
    note('all submitted');

    const accepted = submitter.submissions.filter((submission) => submission.id !== null);
    const ids = accepted.map((submission) => submission.id!);
    const outcomes = await ledger.waitUntilFinished(ids, 120_000);
    note('all finished');
    const summary = ledger.summarise(ids, outcomes);
    const logged = completionsInWorkerLogs(workers, new Set(ids));
    const wrongDigits = accepted.filter(
      (submission) => digitsOf(outcomes.get(submission.id!)) !== reference.get(submission.file),
    );
    const report = {
      ...summary,
      refused_before_accept: submitter.submissions.reduce((sum, s) => sum + s.refusals.length, 0),
      never_accepted: submitter.submissions.length - accepted.length,
      slowest_accept_ms: Math.round(Math.max(...accepted.map((submission) => submission.acceptMs))),
      completions_logged: [...logged.values()].reduce((sum, count) => sum + count, 0),
      logged_more_than_once: [...logged.values()].filter((count) => count > 1).length,
      duplicate_runs_skipped: countLines(workers, /finished elsewhere|already finished/),
      stalled_jobs_recovered: countLines(workers, /stalled: its worker stopped/),
      wrong_digits: wrongDigits.length,
      duration_s: Math.round((Date.now() - started) / 1000),
      events,
    };
    writeArtifact('chaos-e2e.json', report);
    process.stderr.write(`chaos: ${JSON.stringify(report)}\n`);

    expect(report.never_accepted).toBe(0);
    expect(summary).toMatchObject({ submitted: CHAOS_TASKS, completed: CHAOS_TASKS, lost: 0 });
    expect(summary.duplicated).toBe(0);
    expect(ids.every((id) => outcomes.get(id)?.completions === 1)).toBe(true);
    expect(report.logged_more_than_once).toBe(0);
    expect(wrongDigits.map((submission) => submission.file)).toEqual([]);
  }, 240_000);
});

function digitsOf(outcome: TaskOutcome | undefined): string {
  return (outcome?.digits ?? []).map((digit) => digit ?? '-').join('');
}

/** Task id → how many worker log lines say this worker completed it. */
function completionsInWorkerLogs(workers: AppProcess[], ids: Set<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of workers.flatMap((worker) => worker.output)) {
    const match = /\(task ([0-9a-f-]{36})\) completed:/.exec(line);
    if (match && ids.has(match[1])) counts.set(match[1], (counts.get(match[1]) ?? 0) + 1);
  }
  return counts;
}

function countLines(workers: AppProcess[], pattern: RegExp): number {
  return workers.flatMap((worker) => worker.output).filter((line) => pattern.test(line)).length;
}

function writeArtifact(name: string, content: unknown): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), `${JSON.stringify(content, null, 2)}\n`);
}
