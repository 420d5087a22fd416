import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

import { Client } from 'pg';
import sharp from 'sharp';

import { encodeInputPreviewPixels } from '../libs/digit-reading/input-preview';
import { nonDigitSamples } from '../libs/digit-reading/non-digit-samples';
import {
  fileFromDisk,
  submitImages,
  TaskResult,
  UploadFile,
  waitForResult,
} from './support/lensq-client';
import { DATABASE_URL, useLensqStack } from './support/lensq-stack';
import { hasSharedData, realWorldSingleImages, sharedPath } from './support/shared-data';
import { blankPng, syntheticDigitPng, twoSevensPng } from './support/synthetic-images';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts');

describe('Tasks API (real API, worker, Redis and Postgres)', () => {
  const stack = useLensqStack();

  describe('POST /tasks/predict then GET /tasks/result/:id', () => {
    const describeWithData = hasSharedData('realworld', 'single') ? describe : describe.skip;

    describeWithData('with the real handwriting in ../shared/realworld/single', () => {
      it('should read at least 90% of the real images, in upload order', async () => {
        const images = realWorldSingleImages();
        const chunks = chunk(images, 16);

        const ids = await Promise.all(
          chunks.map(async (part) => {
            const response = await submitImages(
              stack.baseUrl,
              part.map((image) => fileFromDisk(image.file)),
            );
            expect(response.status).toBe(202);
            return ((await response.json()) as { result_id: string }).result_id;
          }),
        );
        const results = await Promise.all(
          ids.map((id) => waitForResult(stack.baseUrl, id, 120_000)),
        );

        const predicted = results.flatMap((result) => result.value ?? []);
        const perSource = new Map<string, { correct: number; total: number }>();
        images.forEach((image, index) => {
          const tally = perSource.get(image.source) ?? { correct: 0, total: 0 };
          tally.total += 1;
          if (predicted[index] === image.label) tally.correct += 1;
          perSource.set(image.source, tally);
        });
        const correct = [...perSource.values()].reduce((sum, tally) => sum + tally.correct, 0);
        writeArtifact('realworld-e2e.json', {
          correct,
          total: images.length,
          accuracy: correct / images.length,
          per_source: Object.fromEntries(perSource),
          misses: images
            .map((image, index) => ({
              file: path.basename(image.file),
              predicted: predicted[index],
            }))
            .filter((miss, index) => miss.predicted !== images[index].label),
        });

        expect(results.every((result) => result.successful === true)).toBe(true);
        expect(predicted).toHaveLength(images.length);
        expect(correct / images.length).toBeGreaterThanOrEqual(0.9);
      });
    });

    it('should answer 202 with a result id and a Location, then the full result', async () => {
      const files = [syntheticDigitPng(1), syntheticDigitPng(0)];

      const response = await submitImages(stack.baseUrl, files);
      const body = (await response.json()) as { result_id: string };
      const result = await waitForResult(stack.baseUrl, body.result_id);

      expect(response.status).toBe(202);
      expect(body.result_id).toMatch(UUID);
      expect(response.headers.get('location')).toBe(`/tasks/result/${body.result_id}`);
      expect(result).toMatchObject({
        result_id: body.result_id,
        ready: true,
        successful: true,
        status: 'completed',
      });
      expect(result.value).toHaveLength(2);
      expect(result.value!.every((digit) => typeof digit === 'string' && /^\d$/.test(digit))).toBe(
        true,
      );
      expect(result.images.map((image) => image.filename)).toEqual([
        'synthetic-0.png',
        'synthetic-1.png',
      ]);
      for (const image of result.images) {
        expect(image.probabilities).toHaveLength(10);
        expect(image.probabilities!.reduce((sum, p) => sum + p, 0)).toBeCloseTo(1, 2);
        expect(image.confidence).toBe(Math.max(...image.probabilities!));
        expect(String(image.digit)).toBe(result.value![image.index]);
      }
      expect(result.model_version).toEqual(expect.any(String));
    });

    it('should return what the model saw as a 28x28 PNG when asked with include=input', async () => {
      // A header that claims 4000x4000 pixels fails only when decoded: that image has no input.
      const lying = syntheticDigitPng(1);
      lying.bytes = Buffer.from(lying.bytes);
      lying.bytes.writeUInt32BE(4000, 16);
      lying.bytes.writeUInt32BE(4000, 20);
      lying.bytes.writeUInt32BE(crc32(lying.bytes.subarray(12, 29)), 29);
      const files = [syntheticDigitPng(1), { ...lying, name: 'lying.png' }, syntheticDigitPng(0)];
      const { result_id: id } = (await (await submitImages(stack.baseUrl, files)).json()) as {
        result_id: string;
      };
      await waitForResult(stack.baseUrl, id);

      const plain = (await (
        await fetch(`${stack.baseUrl}/tasks/result/${id}`)
      ).json()) as TaskResult;
      const withInput = (await (
        await fetch(`${stack.baseUrl}/tasks/result/${id}?include=input`)
      ).json()) as TaskResult;
      const bad = await fetch(`${stack.baseUrl}/tasks/result/${id}?include=everything`);

      expect(plain.images[0]).not.toHaveProperty('input');
      const stored = await queryStack(
        `SELECT input_pixels, input_png FROM prediction_task_images WHERE task_id = $1 ORDER BY position`,
        [id],
      );
      expect(withInput.images[1].error?.code).toBe('corrupt-image');
      expect(withInput.images[1]).not.toHaveProperty('input');
      expect(stored.map((row) => [row.input_pixels === null, row.input_png])).toEqual([
        [false, null],
        [true, null],
        [false, null],
      ]);
      for (const index of [0, 2]) {
        const png = Buffer.from(
          withInput.images[index].input!.replace('data:image/png;base64,', ''),
          'base64',
        );
        const { data, info } = await sharp(png)
          .extractChannel(0)
          .raw()
          .toBuffer({ resolveWithObject: true });
        expect(info).toMatchObject({ width: 28, height: 28 });
        expect(data.equals(stored[index].input_pixels as Buffer)).toBe(true);
      }
      expect(bad.status).toBe(400);
    });

    it('should still return the PNG preview of an image stored before previews were kept as pixels', async () => {
      const { result_id: id } = (await (
        await submitImages(stack.baseUrl, [syntheticDigitPng(1)])
      ).json()) as { result_id: string };
      await waitForResult(stack.baseUrl, id);
      const legacyPng = encodeInputPreviewPixels(new Uint8Array(784).fill(200));
      await queryStack(
        `UPDATE prediction_task_images SET input_pixels = NULL, input_png = $2 WHERE task_id = $1`,
        [id, legacyPng],
      );

      const withInput = (await (
        await fetch(`${stack.baseUrl}/tasks/result/${id}?include=input`)
      ).json()) as TaskResult;

      expect(withInput.images[0].input).toBe(
        `data:image/png;base64,${legacyPng.toString('base64')}`,
      );
    });

    it('should record the task in Postgres and drop the image bytes once finished', async () => {
      const response = await submitImages(stack.baseUrl, [syntheticDigitPng(1)]);
      const { result_id: id } = (await response.json()) as { result_id: string };
      await waitForResult(stack.baseUrl, id);

      const rows = await queryStack(
        `SELECT t.status, t.finished_at IS NOT NULL AS finished, i.bytes IS NULL AS bytes_dropped, i.digit
           FROM prediction_tasks t JOIN prediction_task_images i ON i.task_id = t.id WHERE t.id = $1`,
        [id],
      );

      expect(rows).toEqual([
        expect.objectContaining({ status: 'completed', finished: true, bytes_dropped: true }),
      ]);
    });

    it('should give a blank image its own answer and still read its sibling', async () => {
      const files = [blankPng(), syntheticDigitPng(1)];

      const { result_id: id } = (await (await submitImages(stack.baseUrl, files)).json()) as {
        result_id: string;
      };
      const result = await waitForResult(stack.baseUrl, id);

      expect(result.successful).toBe(true);
      expect(result.value![0]).toBeNull();
      expect(result.images[0].error?.code).toBe('blank-image');
      expect(result.images[0].error?.message).toContain('Write the digit in dark ink');
      expect(result.value![1]).toMatch(/^\d$/);
    });

    it("should answer 'not-a-digit' for a scribble and 'blank-image' for an empty page", async () => {
      const samples = nonDigitSamples();
      const pick = (name: string) => ({
        name: `${name.replace(' ', '-')}.png`,
        bytes: samples.find((sample) => sample.name === name)!.png,
        type: 'image/png',
      });
      const files = [pick('scribble 3'), pick('blank page')];

      const { result_id: id } = (await (await submitImages(stack.baseUrl, files)).json()) as {
        result_id: string;
      };
      const result = await waitForResult(stack.baseUrl, id);

      expect(result.successful).toBe(true);
      expect(result.value).toEqual([null, null]);
      expect(result.images[0].error?.code).toBe('not-a-digit');
      expect(result.images[0].uncertain).toBe(true);
      expect(result.images[1].error?.code).toBe('blank-image');
    });

    it('should say why a digit is uncertain: one of two digits side by side', async () => {
      const files = [{ name: 'seventy-seven.png', bytes: await twoSevensPng(), type: 'image/png' }];

      const { result_id: id } = (await (await submitImages(stack.baseUrl, files)).json()) as {
        result_id: string;
      };
      const result = await waitForResult(stack.baseUrl, id);

      expect(result.images[0]).toMatchObject({
        digit: 7,
        uncertain: true,
        doubts: ['most-ink-set-aside'],
        error: null,
      });
    });
  });

  describe('GET /tasks', () => {
    it('should give no next_cursor on the last page, even when it is full', async () => {
      const since = new Date().toISOString();
      for (let index = 0; index < 4; index += 1) {
        expect((await submitImages(stack.baseUrl, [syntheticDigitPng(1)])).status).toBe(202);
      }

      const first = await listPage(`created_after=${since}&limit=2`);
      const second = await listPage(`created_after=${since}&limit=2&cursor=${first.next_cursor}`);

      expect(first.tasks).toHaveLength(2);
      expect(first.next_cursor).toEqual(expect.any(String));
      expect(second.tasks).toHaveLength(2);
      expect(second.next_cursor).toBeNull();
    });

    it('should say once what is wrong with a query parameter', async () => {
      const badLimit = await fetch(`${stack.baseUrl}/tasks?limit=abc`);
      const badWait = await fetch(
        `${stack.baseUrl}/tasks/result/00000000-0000-4000-8000-000000000000?wait=2.5`,
      );

      expect(badLimit.status).toBe(400);
      expect(await badLimit.json()).toMatchObject({
        code: 'invalid-request',
        message: 'limit must be an integer from 1 to 100',
      });
      expect(badWait.status).toBe(400);
      expect(await badWait.json()).toMatchObject({
        message: 'wait must be a whole number of seconds from 0 to 30',
      });
    });

    it('should name an unknown query parameter and the accepted ones', async () => {
      const response = await fetch(`${stack.baseUrl}/tasks?foo=1`);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        message:
          "Unknown query parameter 'foo'; accepted: status, created_after, created_before, limit, cursor",
      });
    });

    async function listPage(
      query: string,
    ): Promise<{ tasks: TaskResult[]; next_cursor: string | null }> {
      const response = await fetch(`${stack.baseUrl}/tasks?${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as { tasks: TaskResult[]; next_cursor: string | null };
    }
  });

  describe('errors', () => {
    it('should answer 404 in the error shape for an unknown task id', async () => {
      const response = await fetch(
        `${stack.baseUrl}/tasks/result/00000000-0000-4000-8000-000000000000`,
      );
      const body = await response.json();

      expect(response.status).toBe(404);
      expect(body).toMatchObject({
        statusCode: 404,
        code: 'task-not-found',
        request_id: expect.any(String),
      });
    });

    it('should answer 400 for a malformed task id', async () => {
      const response = await fetch(`${stack.baseUrl}/tasks/result/not-a-uuid`);

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid-task-id' });
    });

    it('should answer 400 naming the field when no images are sent', async () => {
      const form = new FormData();
      form.append('note', 'hello');

      const response = await fetch(`${stack.baseUrl}/tasks/predict`, {
        method: 'POST',
        body: form,
      });
      const body = (await response.json()) as { message: string };

      expect(response.status).toBe(400);
      expect(body.message).toContain('"images"');
    });

    it('should answer 415 naming the file when a file is not an image, and queue nothing', async () => {
      const text: UploadFile = {
        name: 'notes.png',
        bytes: Buffer.from('this is not an image\n'),
        type: 'image/png',
      };

      const response = await submitImages(stack.baseUrl, [syntheticDigitPng(1), text]);
      const body = (await response.json()) as { details: Array<{ file: string; index: number }> };

      expect(response.status).toBe(415);
      expect(body.details).toEqual([expect.objectContaining({ file: 'notes.png', index: 1 })]);
    });

    const itWithCases = hasSharedData('cases') ? it : it.skip;
    itWithCases(
      'should refuse the decompression bomb before decoding, naming the pixel limit',
      async () => {
        const response = await submitImages(stack.baseUrl, [
          fileFromDisk(sharedPath('cases', 'bomb_20000x20000.png')),
        ]);
        const body = (await response.json()) as { message: string };

        expect(response.status).toBe(413);
        expect(body.message).toContain('bomb_20000x20000.png');
        expect(body.message).toMatch(/limit/);
      },
    );
  });

  async function queryStack(
    sql: string,
    params: unknown[],
  ): Promise<Array<Record<string, unknown>>> {
    const client = new Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${stack.schema}`,
    });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
});

function chunk<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

function writeArtifact(name: string, content: unknown): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(path.join(ARTIFACTS, name), `${JSON.stringify(content, null, 2)}\n`);
}
