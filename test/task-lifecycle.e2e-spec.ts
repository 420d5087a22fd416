import { submitImages, TaskResult, UploadFile, waitForResult } from './support/lensq-client';
import { AppProcess, LensqStack, sleep, useLensqStack } from './support/lensq-stack';
import { syntheticDigitPng } from './support/synthetic-images';

const KEY_ALICE = 'alice-key-0123456789abcdef';
const KEY_BOB = 'bob-key-0123456789abcdef';

function withKey(key: string): RequestInit {
  return { headers: { 'X-API-Key': key } };
}

async function submitAs(
  stack: LensqStack,
  key: string,
  files: UploadFile[],
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const file of files)
    form.append('images', new Blob([new Uint8Array(file.bytes)]), file.name);
  const response = await fetch(`${stack.baseUrl}/tasks/predict`, {
    method: 'POST',
    body: form,
    headers: { 'X-API-Key': key, ...headers },
  });
  return { response, body: (await response.json()) as { result_id: string; code?: string } };
}

describe('Task lifecycle: API keys, history, idempotency, cancel and delete', () => {
  const stack = useLensqStack({ API_KEYS: `alice:${KEY_ALICE},bob:${KEY_BOB}` });

  it('should refuse task routes without a valid key with 401', async () => {
    const missing = await fetch(`${stack.baseUrl}/tasks`);
    const wrong = await fetch(`${stack.baseUrl}/tasks`, withKey('not-a-key-0123456789'));

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'unauthorized' });
  });

  it("should hide one key's tasks from another key with 404", async () => {
    const { body } = await submitAs(stack, KEY_ALICE, [syntheticDigitPng(1)]);

    const asAlice = await fetch(
      `${stack.baseUrl}/tasks/result/${body.result_id}`,
      withKey(KEY_ALICE),
    );
    const asBob = await fetch(`${stack.baseUrl}/tasks/result/${body.result_id}`, withKey(KEY_BOB));
    const bobDeletes = await fetch(`${stack.baseUrl}/tasks/${body.result_id}`, {
      method: 'DELETE',
      ...withKey(KEY_BOB),
    });

    expect(asAlice.status).toBe(200);
    expect(asBob.status).toBe(404);
    expect(bobDeletes.status).toBe(404);
  });

  it("should list a key's own tasks newest first, filtered and paged with a cursor", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push((await submitAs(stack, KEY_BOB, [syntheticDigitPng(1)])).body.result_id);
    }
    await Promise.all(ids.map((id) => waitForResult(stack.baseUrl, id, 60_000, withKey(KEY_BOB))));

    const first = await listPage(`limit=3&status=completed`);
    const second = await listPage(`limit=3&status=completed&cursor=${first.next_cursor}`);
    const none = await listPage(`status=failed`);
    const bad = await fetch(`${stack.baseUrl}/tasks?limit=1000`, withKey(KEY_BOB));

    expect([...first.tasks, ...second.tasks].map((task) => task.result_id)).toEqual(
      [...ids].reverse(),
    );
    expect(second.next_cursor).toBeNull();
    expect(none.tasks).toEqual([]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('limit must be');
  });

  it('should return the same task for the same Idempotency-Key and body, and refuse a different body', async () => {
    const headers = { 'Idempotency-Key': `lifecycle-${Date.now()}` };
    const file = syntheticDigitPng(1);

    const first = await submitAs(stack, KEY_ALICE, [file], headers);
    const again = await submitAs(stack, KEY_ALICE, [file], headers);
    const otherBody = await submitAs(
      stack,
      KEY_ALICE,
      [{ ...file, bytes: syntheticDigitPng(0).bytes }],
      headers,
    );
    const otherKeyOwner = await submitAs(stack, KEY_BOB, [file], headers);

    expect(first.response.status).toBe(202);
    expect(again.response.status).toBe(202);
    expect(again.body.result_id).toBe(first.body.result_id);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(otherBody.response.status).toBe(422);
    expect(otherKeyOwner.body.result_id).not.toBe(first.body.result_id);
  });

  it('should delete a finished task, which then answers 404', async () => {
    const { body } = await submitAs(stack, KEY_ALICE, [syntheticDigitPng(1)]);
    await waitForResult(stack.baseUrl, body.result_id, 60_000, withKey(KEY_ALICE));

    const deleted = await fetch(`${stack.baseUrl}/tasks/${body.result_id}`, {
      method: 'DELETE',
      ...withKey(KEY_ALICE),
    });
    const after = await fetch(
      `${stack.baseUrl}/tasks/result/${body.result_id}`,
      withKey(KEY_ALICE),
    );

    expect(deleted.status).toBe(204);
    expect(after.status).toBe(404);
  });

  describe('while no worker runs', () => {
    let replacement: AppProcess | undefined;

    afterAll(async () => {
      await replacement?.stop();
    });

    it('should cancel a queued task, and a new worker should complete the other queued task but not the cancelled one', async () => {
      await stack.worker.stop('SIGTERM');
      const cancelled = (await submitAs(stack, KEY_ALICE, [syntheticDigitPng(1)])).body.result_id;
      const waiting = (await submitAs(stack, KEY_ALICE, [syntheticDigitPng(1)])).body.result_id;

      const cancel = await fetch(`${stack.baseUrl}/tasks/${cancelled}`, {
        method: 'DELETE',
        ...withKey(KEY_ALICE),
      });
      replacement = stack.spawn('worker');
      await replacement.waitForLine(/Worker ready/);
      const completed = await waitForResult(stack.baseUrl, waiting, 60_000, withKey(KEY_ALICE));
      await sleep(500);
      const result = (await (
        await fetch(`${stack.baseUrl}/tasks/result/${cancelled}`, withKey(KEY_ALICE))
      ).json()) as TaskResult;

      expect(cancel.status).toBe(204);
      expect(completed.status).toBe('completed');
      expect(result).toMatchObject({ status: 'cancelled', ready: true, successful: false });
    });
  });

  async function listPage(
    query: string,
  ): Promise<{ tasks: TaskResult[]; next_cursor: string | null }> {
    const response = await fetch(`${stack.baseUrl}/tasks?${query}`, withKey(KEY_BOB));
    expect(response.status).toBe(200);
    return (await response.json()) as { tasks: TaskResult[]; next_cursor: string | null };
  }
});

describe('Task lifecycle: expiry', () => {
  const stack = useLensqStack({
    TASK_RETENTION_HOURS: '0.0005',
    RETENTION_SWEEP_INTERVAL_SECONDS: '1',
  });

  it('should answer 410 Gone for a task whose results expired', async () => {
    const response = await submitImages(stack.baseUrl, [syntheticDigitPng(1)]);
    const { result_id: id } = (await response.json()) as { result_id: string };
    await waitForResult(stack.baseUrl, id);

    let status = 200;
    for (let attempt = 0; attempt < 20 && status === 200; attempt += 1) {
      await sleep(500);
      status = (await fetch(`${stack.baseUrl}/tasks/result/${id}`)).status;
    }

    expect(status).toBe(410);
  });
});

describe('Task lifecycle: rate limits', () => {
  const stack = useLensqStack({ RATE_LIMIT_PER_MINUTE: '8' });

  it('should answer 429 with Retry-After once a client passes the limit', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let index = 0; index < 12; index += 1) {
      const response = await fetch(
        `${stack.baseUrl}/tasks/result/00000000-0000-4000-8000-000000000000`,
      );
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }

    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status !== 429).length).toBeLessThanOrEqual(8);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
