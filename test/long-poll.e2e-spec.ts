import { submitImages, TaskResult } from './support/lensq-client';
import { useLensqStack } from './support/lensq-stack';
import { blankPng, syntheticDigitPng } from './support/synthetic-images';

async function submit(baseUrl: string, files = [syntheticDigitPng(1)]): Promise<string> {
  const response = await submitImages(baseUrl, files);
  expect(response.status).toBe(202);
  return ((await response.json()) as { result_id: string }).result_id;
}

async function longPoll(
  baseUrl: string,
  id: string,
  waitSeconds: number,
): Promise<{ status: number; body: TaskResult; elapsedMs: number }> {
  const started = Date.now();
  const response = await fetch(`${baseUrl}/tasks/result/${id}?wait=${waitSeconds}`);
  const body = (await response.json()) as TaskResult;
  return { status: response.status, body, elapsedMs: Date.now() - started };
}

describe('GET /tasks/result/:id?wait= (long-polling)', () => {
  const stack = useLensqStack({ WORKER_CONCURRENCY: '8' });

  it('should answer as soon as the task is finished, with the full result', async () => {
    const id = await submit(stack.baseUrl);

    const { status, body, elapsedMs } = await longPoll(stack.baseUrl, id, 20);

    expect(status).toBe(200);
    expect(body).toMatchObject({ result_id: id, ready: true, status: 'completed' });
    expect(body.value).toHaveLength(1);
    expect(elapsedMs).toBeLessThan(10_000);
  });

  it('should keep every task its own results when tasks submitted together share a batch', async () => {
    const uploads = Array.from({ length: 24 }, (_, task) =>
      task % 2 === 0
        ? [syntheticDigitPng(1), blankPng(), syntheticDigitPng(0)]
        : [blankPng(), syntheticDigitPng(0)],
    );

    const ids = await Promise.all(uploads.map((files) => submit(stack.baseUrl, files)));
    const results = await Promise.all(ids.map((id) => longPoll(stack.baseUrl, id, 20)));

    const even = results.filter((_, task) => task % 2 === 0).map((result) => result.body);
    const odd = results.filter((_, task) => task % 2 === 1).map((result) => result.body);
    for (const body of [...even, ...odd]) expect(body.status).toBe('completed');
    for (const body of even) {
      expect(body.images.map((image) => image.error?.code ?? null)).toEqual([
        null,
        'blank-image',
        null,
      ]);
      expect(body.value).toEqual(even[0].value);
    }
    for (const body of odd) {
      expect(body.images.map((image) => image.error?.code ?? null)).toEqual(['blank-image', null]);
      expect(body.value).toEqual([null, even[0].value![2]]);
    }
  });

  it('should refuse a wait over 30 seconds with 400 naming the limit', async () => {
    const id = await submit(stack.baseUrl);

    const response = await fetch(`${stack.baseUrl}/tasks/result/${id}?wait=31`);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('0 to 30');
  });

  it('should answer an unfinished task when the wait is over', async () => {
    await stack.worker.stop();
    const id = await submit(stack.baseUrl);

    const { status, body, elapsedMs } = await longPoll(stack.baseUrl, id, 1);

    expect(status).toBe(200);
    expect(body).toMatchObject({ ready: false, status: 'queued', value: null });
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});
