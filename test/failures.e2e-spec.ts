import Bull from 'bull';
import { Client } from 'pg';

import { submitImages, waitForResult } from './support/lensq-client';
import { AppProcess, DATABASE_URL, LensqStack, sleep } from './support/lensq-stack';
import { LoopbackRedis } from './support/loopback-redis';
import { syntheticDigitPng } from './support/synthetic-images';
import { TcpProxy } from './support/tcp-proxy';

const POSTGRES_PORT = Number(new URL(DATABASE_URL).port || 5432);

/** DATABASE_URL with its host and port replaced by the proxy's. */
function throughProxy(proxy: TcpProxy): string {
  const url = new URL(DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
}

describe('Failure behaviour: Postgres and Redis outages, shutdown, poison jobs', () => {
  const redis = new LoopbackRedis();
  const postgres = new TcpProxy(POSTGRES_PORT, new URL(DATABASE_URL).hostname);
  let stack: LensqStack;
  let database: Client;

  beforeAll(async () => {
    await Promise.all([redis.start(), postgres.start()]);
    stack = new LensqStack({
      REDIS_URL: redis.url,
      DATABASE_URL: throughProxy(postgres),
      QUEUE_LOCK_SECONDS: '4',
      RECONCILE_INTERVAL_SECONDS: '2',
    });
    await stack.start();
    database = new Client({ connectionString: DATABASE_URL });
    await database.connect();
  }, 120_000);

  afterAll(async () => {
    await database?.end();
    await postgres.restore();
    await stack?.stop();
    await Promise.all([redis.kill(), postgres.close()]);
  }, 60_000);

  const countTasks = async () =>
    Number(
      (
        await database.query<{ count: string }>(
          `SELECT count(*) FROM "${stack.schema}".prediction_tasks`,
        )
      ).rows[0].count,
    );
  const statusOf = async (id: string) =>
    (
      await database.query(
        `SELECT status, attempts, error_message FROM "${stack.schema}".prediction_tasks WHERE id = $1`,
        [id],
      )
    ).rows[0] as { status: string; attempts: number; error_message: string | null };
  const submit = async () => {
    const response = await submitImages(stack.baseUrl, [syntheticDigitPng(1)]);
    return ((await response.json()) as { result_id: string }).result_id;
  };

  describe('Postgres refuses connections (stopped or restarting)', () => {
    it('should answer 503 with Retry-After within 2 s, store nothing, and serve again once it is back', async () => {
      const earlier = await submit();
      const before = await countTasks();

      await postgres.refuse();
      const post = await timed(submitImages(stack.baseUrl, [syntheticDigitPng(1)]));
      const get = await timed(fetch(`${stack.baseUrl}/tasks/result/${earlier}`));
      await postgres.restore();
      const after = await countTasks();
      const again = await submitImages(stack.baseUrl, [syntheticDigitPng(1)]);

      expect(post.value.status).toBe(503);
      expect(post.value.headers.get('retry-after')).toBe('2');
      expect(await post.value.json()).toMatchObject({ code: 'service-unavailable' });
      expect(post.ms).toBeLessThan(2000);
      expect(get.value.status).toBe(503);
      expect(get.ms).toBeLessThan(2000);
      expect(after).toBe(before);
      expect(again.status).toBe(202);
    });

    it('should keep the worker alive through the outage and complete its tasks afterwards, none failed', async () => {
      stack.worker.child.kill('SIGSTOP');
      const ids = await Promise.all(Array.from({ length: 6 }, () => submit()));

      await postgres.refuse();
      stack.worker.child.kill('SIGCONT');
      // The jobs use up their attempts during the outage, and give up without failing the task.
      await stack.worker.waitForLine(/gave up while Postgres was unavailable/, 40_000);
      await postgres.restore();
      const results = await Promise.all(ids.map((id) => waitForResult(stack.baseUrl, id, 60_000)));

      expect(stack.worker.child.exitCode).toBeNull();
      expect(results.map((result) => result.status)).toEqual(ids.map(() => 'completed'));
    }, 90_000);
  });

  describe('Postgres goes silent (host lost, network cut)', () => {
    it('should answer 503 instead of hanging, and recover at once when it is back', async () => {
      const earlier = await submit();
      await waitForResult(stack.baseUrl, earlier);

      postgres.blackhole();
      const get = await timed(fetch(`${stack.baseUrl}/tasks/result/${earlier}`));
      const post = await timed(submitImages(stack.baseUrl, [syntheticDigitPng(1)]));
      await postgres.restore();
      const recovered = await Promise.all(
        Array.from({ length: 4 }, () => timed(fetch(`${stack.baseUrl}/tasks/result/${earlier}`))),
      );

      expect(get.value.status).toBe(503);
      expect(get.ms).toBeLessThan(15_000);
      expect(post.value.status).toBe(503);
      expect(post.ms).toBeLessThan(30_000);
      expect(recovered.map(({ value }) => value.status)).toEqual([200, 200, 200, 200]);
      expect(Math.max(...recovered.map(({ ms }) => ms))).toBeLessThan(3000);
    }, 90_000);
  });

  describe('tasks that can never succeed', () => {
    it('should fail a job that names no task once, without retries', async () => {
      const queue = new Bull('predictions', redis.url, { prefix: stack.queuePrefix });
      const job = await queue.add('predict-digits', { taskId: 'not-a-task' }, { attempts: 5 });
      await queue.close();

      await stack.worker.waitForLine(new RegExp(`Job ${job.id} .*failed for good`), 20_000);
      await sleep(2000);
      const lines = stack.worker.output.filter((line) => line.includes(`Job ${job.id} `));

      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('names no task');
    });

    it('should fail a task that has already run too many times once, with the reason', async () => {
      stack.worker.child.kill('SIGSTOP');
      const id = await submit();
      await database.query(
        `UPDATE "${stack.schema}".prediction_tasks SET attempts = 10 WHERE id = $1`,
        [id],
      );
      stack.worker.child.kill('SIGCONT');

      const result = await waitForResult(stack.baseUrl, id, 30_000);
      await sleep(5000); // a few reconcile intervals: it must not be dispatched again
      const row = await statusOf(id);

      expect(result.status).toBe('failed');
      expect(result.error).toContain('10 runs ended without a result');
      expect(row).toMatchObject({ status: 'failed', attempts: 11 });
    }, 60_000);
  });

  describe('SIGTERM', () => {
    it('should let the worker finish the jobs in hand and exit 0, leaving none active', async () => {
      stack.worker.child.kill('SIGSTOP');
      const ids = await Promise.all(Array.from({ length: 12 }, () => submit()));
      stack.worker.child.kill('SIGCONT');
      await stack.worker.waitForLine(/\) completed:/, 20_000);

      const code = await stack.worker.stop('SIGTERM');
      const active = await database.query<{ count: string }>(
        `SELECT count(*) FROM "${stack.schema}".prediction_tasks WHERE status = 'active'`,
      );
      stack.worker = stack.spawn('worker');
      const results = await Promise.all(ids.map((id) => waitForResult(stack.baseUrl, id, 60_000)));

      expect(code).toBe(0);
      expect(Number(active.rows[0].count)).toBe(0);
      expect(results.every((result) => result.status === 'completed')).toBe(true);
    }, 90_000);

    it('should let the API finish a request in flight and exit 0 within seconds despite busy keep-alive clients', async () => {
      const upload = syntheticDigitPng(1);
      const slowBody = slowMultipart(upload.bytes, 1500);
      const inFlight = fetch(`${stack.baseUrl}/tasks/predict`, {
        method: 'POST',
        headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: slowBody,
        duplex: 'half',
      } as RequestInit);
      let isBusy = true;
      const busyClient = (async () => {
        while (isBusy) await fetch(`${stack.baseUrl}/health/live`).catch(() => sleep(50));
      })();
      await sleep(500);

      const stopped = timed(stack.api.stop('SIGTERM', 15_000));
      const answer = await inFlight;
      const { value: code, ms } = await stopped;
      isBusy = false;
      await busyClient;
      stack.api = stack.spawn('api');
      await stack.api.waitForLine(/API listening on port/);

      expect(answer.status).toBe(202);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    }, 60_000);
  });

  describe('Redis down when the processes start', () => {
    it('should start the API degraded: accept tasks within 2 s, not ready, and dispatch them once Redis is back', async () => {
      await Promise.all([stack.api.stop(), stack.worker.stop()]);
      await redis.kill();

      stack.api = stack.spawn('api');
      stack.worker = stack.spawn('worker');
      await stack.api.waitForLine(/API listening on port/);
      const post = await timed(submitImages(stack.baseUrl, [syntheticDigitPng(1)]));
      const ready = await fetch(`${stack.baseUrl}/health/ready`);
      await redis.start();
      const id = ((await post.value.json()) as { result_id: string }).result_id;
      const result = await waitForResult(stack.baseUrl, id, 60_000);

      expect(post.value.status).toBe(202);
      expect(post.ms).toBeLessThan(2500);
      expect(ready.status).toBe(503);
      expect(result.status).toBe('completed');
      expect([stack.api, stack.worker].map((app: AppProcess) => app.child.exitCode)).toEqual([
        null,
        null,
      ]);
    }, 120_000);
  });
});

const BOUNDARY = 'lensq-slow-upload';

/** A multipart body with one image that arrives over `durationMs`, to keep a request in flight. */
function slowMultipart(bytes: Buffer, durationMs: number): ReadableStream<Uint8Array> {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="images"; filename="slow.png"\r\n` +
      `Content-Type: image/png\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const parts = [head, bytes.subarray(0, 40), bytes.subarray(40), tail];
  return new ReadableStream({
    async pull(controller) {
      const part = parts.shift();
      if (!part) return controller.close();
      await sleep(durationMs / 4);
      controller.enqueue(new Uint8Array(part));
    },
  });
}
