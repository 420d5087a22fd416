import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2019 from 'ajv/dist/2019';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { parse as parseYaml } from 'yaml';

import { EnvironmentVariables } from '../src/config/environment';
import { submitImages, waitForResult } from './support/lensq-client';
import { AppProcess, freePort, LensqStack, sleep } from './support/lensq-stack';

const REPO_ROOT = path.resolve(__dirname, '..');
const ADMIN = { username: 'ops-admin', password: 'e2e-dashboard-password' };

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

describe('Operations: health, metrics, queue dashboard, OpenAPI, compose', () => {
  let stack: LensqStack;
  let workerMetricsUrl: string;

  beforeAll(async () => {
    const workerMetricsPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${workerMetricsPort}/metrics`;
    stack = new LensqStack({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      WORKER_METRICS_PORT: String(workerMetricsPort),
    });
    await stack.start();
  }, 120_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  describe('health', () => {
    it('should answer GET /health/live with 200 and status ok', async () => {
      const response = await fetch(`${stack.baseUrl}/health/live`);

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    });

    it('should be ready once the worker has reported its model and backend', async () => {
      const { version, backend } = loadedModelOf(stack.worker);

      const report = await waitForReady(stack.baseUrl);

      expect(report.details).toMatchObject({
        redis: { status: 'up' },
        database: { status: 'up' },
        workers: { status: 'up', count: 1 },
        model: { status: 'up', versions: [version], backends: [backend] },
      });
      const [worker] = (report.details.workers as { workers: Array<Record<string, unknown>> })
        .workers;
      expect(worker).toMatchObject({ pid: stack.worker.child.pid, model_version: version });
    });

    it('should answer 503 with the reason within 2 s when Redis is unreachable', async () => {
      const port = await freePort();
      const deadRedis = `redis://127.0.0.1:${await freePort()}`;
      const api = stack.spawn('api', {
        PORT: String(port),
        REDIS_URL: deadRedis,
        LOG_FORMAT: 'json',
      });
      try {
        await api.waitForLine(/API listening on port/);

        const started = Date.now();
        const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
        const elapsedMs = Date.now() - started;

        expect(response.status).toBe(503);
        expect(elapsedMs).toBeLessThan(2000);
        const report = (await response.json()) as HealthReport;
        expect(report.status).toBe('error');
        expect(report.error).toMatchObject({
          redis: { status: 'down', message: expect.stringMatching(/no answer/) },
          workers: { status: 'down' },
        });
        expect(report.info).toMatchObject({ database: { status: 'up' } });
        // An expected 503, repeated on every probe: a warning, not an error.
        await api.waitForLine(/Health Check has failed!/);
        const failedCheck = api.output.find((line) => line.includes('Health Check has failed!'));
        expect(JSON.parse(failedCheck ?? 'null')).toMatchObject({
          level: 'warn',
          context: 'HealthCheckService',
        });
      } finally {
        await api.stop();
      }
    });
  });

  describe('metrics', () => {
    let taskId: string;
    let digit: number | null;

    beforeAll(async () => {
      const submitted = await submitImages(stack.baseUrl, [await barPng()]);
      expect(submitted.status).toBe(202);
      taskId = ((await submitted.json()) as { result_id: string }).result_id;
      const result = await waitForResult(stack.baseUrl, taskId);
      digit = result.images[0].digit;
      // The worker counts a job when Bull reports it completed, just after the result is saved.
      await sleep(500);
    });

    it('should count API requests by route pattern and status, with latency', async () => {
      const text = await fetchText(`${stack.baseUrl}/metrics`);

      const predict = { method: 'POST', route: '/tasks/predict', status: '202' };
      const result = { method: 'GET', route: '/tasks/result/:id', status: '200' };
      expect(sampleOf(text, 'lensq_http_requests_total', predict)).toBe(1);
      expect(sampleOf(text, 'lensq_http_requests_total', result)).toBeGreaterThanOrEqual(1);
      expect(sampleOf(text, 'lensq_http_request_duration_seconds_count', predict)).toBe(1);
      expect(
        sampleOf(text, 'lensq_http_request_duration_seconds_bucket', { ...predict, le: '+Inf' }),
      ).toBe(1);
      expect(text).not.toContain(taskId);
    });

    it('should report the queue depth and the live workers, read from Redis', async () => {
      const { version, backend } = loadedModelOf(stack.worker);

      const text = await fetchText(`${stack.baseUrl}/metrics`);

      for (const state of ['waiting', 'active', 'delayed', 'failed']) {
        expect(sampleOf(text, 'lensq_queue_jobs', { state })).toBe(0);
      }
      expect(sampleOf(text, 'lensq_workers_alive', { model_version: version, backend })).toBe(1);
    });

    it("should expose the worker's tasks, queue wait, inference and model on its own port", async () => {
      const { version, backend } = loadedModelOf(stack.worker);

      const text = await fetchText(workerMetricsUrl);

      expect(sampleOf(text, 'lensq_tasks_total', { outcome: 'completed' })).toBe(1);
      expect(sampleOf(text, 'lensq_queue_wait_seconds_count')).toBe(1);
      expect(sampleOf(text, 'lensq_job_duration_seconds_count')).toBe(1);
      expect(sampleOf(text, 'lensq_inference_batch_size_sum')).toBe(1);
      expect(sampleOf(text, 'lensq_inference_duration_seconds_count')).toBe(1);
      const label = digit === null ? 'none' : String(digit);
      expect(sampleOf(text, 'lensq_images_total', { digit: label })).toBe(1);
      expect(sampleOf(text, 'lensq_model_info', { version, backend })).toBe(1);
    });

    it('should serve nothing but GET /metrics on the worker port', async () => {
      const response = await fetch(workerMetricsUrl.replace('/metrics', '/'));

      expect(response.status).toBe(404);
    });
  });

  describe('logs', () => {
    it('should log one access line per request with method, route, status, duration and id', async () => {
      const requestId = `ops-e2e-${Date.now()}`;

      await fetch(`${stack.baseUrl}/tasks/result/not-a-uuid`, {
        headers: { 'X-Request-Id': requestId },
      });
      await sleep(200);

      const lines = stack.api.output.filter((line) => line.includes(`request_id=${requestId}`));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /GET \/tasks\/result\/not-a-uuid 400 [\d.]+ ms route=\/tasks\/result\/:id request_id=/,
      );
    });

    it('should write the access line as one JSON object when LOG_FORMAT=json', async () => {
      const port = await freePort();
      const api = stack.spawn('api', { PORT: String(port), LOG_FORMAT: 'json' });
      const requestId = `ops-e2e-json-${Date.now()}`;
      try {
        await api.waitForLine(/API listening on port/);

        await fetch(`http://127.0.0.1:${port}/tasks/result/not-a-uuid`, {
          headers: { 'X-Request-Id': requestId },
        });
        await sleep(200);
      } finally {
        await api.stop();
      }

      const line = api.output.find((entry) => entry.includes(`request_id=${requestId}`));
      expect(JSON.parse(line ?? 'null')).toMatchObject({
        level: 'log',
        context: 'HttpAccess',
        message: expect.stringMatching(
          /^GET \/tasks\/result\/not-a-uuid 400 .* route=\/tasks\/result\/:id /,
        ),
      });
    });

    it('should name the task in every worker line about it', () => {
      const lines = stack.worker.output.filter((line) => /\b(Job|job)\b/.test(line));

      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/task [0-9a-f-]{36}/);
    });
  });

  describe('queue dashboard at /admin/queues', () => {
    const dashboard = () => `${stack.baseUrl}/admin/queues`;

    it('should answer 401 with a basic challenge without credentials', async () => {
      const response = await fetch(dashboard());

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect(await response.json()).toMatchObject({ statusCode: 401, code: 'unauthorized' });
      const metrics = await fetchText(`${stack.baseUrl}/metrics`);
      const refused = { method: 'GET', route: '/admin/queues/*', status: '401' };
      expect(sampleOf(metrics, 'lensq_http_requests_total', refused)).toBeGreaterThanOrEqual(1);
    });

    it('should answer 401 to a wrong password', async () => {
      const response = await fetch(dashboard(), {
        headers: { Authorization: basic(ADMIN.username, `${ADMIN.password}x`) },
      });

      expect(response.status).toBe(401);
    });

    it('should serve the dashboard and its API with the right credentials', async () => {
      const authorization = basic(ADMIN.username, ADMIN.password);

      const page = await fetch(dashboard(), { headers: { Authorization: authorization } });
      const queues = await fetch(`${dashboard()}/api/queues`, {
        headers: { Authorization: authorization },
      });

      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(queues.status).toBe(200);
      const body = (await queues.json()) as { queues: Array<{ name: string }> };
      expect(body.queues.map((queue) => queue.name)).toEqual(['predictions']);
    });

    it('should not exist (404) when no admin credentials are configured', async () => {
      const port = await freePort();
      const api = stack.spawn('api', {
        PORT: String(port),
        ADMIN_USERNAME: '',
        ADMIN_PASSWORD: '',
      });
      try {
        await api.waitForLine(/API listening on port/);

        const response = await fetch(`http://127.0.0.1:${port}/admin/queues`, {
          headers: { Authorization: basic(ADMIN.username, ADMIN.password) },
        });

        expect(response.status).toBe(404);
      } finally {
        await api.stop();
      }
    });
  });

  describe('OpenAPI document at /docs-json', () => {
    // The web page's HTML routes are left out of the API document on purpose (@ApiExcludeController).
    const UNDOCUMENTED = new Set(['GET /', 'GET /assets/:name']);
    let document: OpenApiDocument;

    beforeAll(async () => {
      document = JSON.parse(await fetchText(`${stack.baseUrl}/docs-json`)) as OpenApiDocument;
    });

    it('should be a valid OpenAPI 3.0 document', async () => {
      expect(document.openapi).toMatch(/^3\.0\.\d+$/);

      await expect(
        SwaggerParser.validate(structuredClone(document) as never),
      ).resolves.toBeTruthy();
      // Beyond the schema: every {parameter} of a path is declared by each of its operations.
      const undeclared = Object.entries(document.paths).flatMap(([routePath, operations]) =>
        [...routePath.matchAll(/\{(\w+)\}/g)].flatMap(([, name]) =>
          Object.entries(operations)
            .filter(
              ([, operation]) =>
                !operation.parameters?.some(
                  (parameter) => parameter.in === 'path' && parameter.name === name,
                ),
            )
            .map(([method]) => `${method.toUpperCase()} ${routePath} {${name}}`),
        ),
      );
      expect(undeclared).toEqual([]);
    });

    it('should document every route the API maps', () => {
      const mapped = mappedRoutesOf(stack.api).filter((route) => !UNDOCUMENTED.has(route));

      const missing = mapped.filter((route) => {
        const [method, routePath] = route.split(' ');
        const documentedPath = routePath.replace(/:(\w+)/g, '{$1}');
        return !document.paths[documentedPath]?.[method.toLowerCase()];
      });

      expect(mapped).toEqual(
        expect.arrayContaining([
          'POST /tasks/predict',
          'GET /tasks/result/:id',
          'GET /health/live',
          'GET /health/ready',
          'GET /metrics',
        ]),
      );
      expect(missing).toEqual([]);
    });

    it('should document the one error shape on every error answer outside /health', () => {
      const errorShape = document.components.schemas.ErrorResponseDto;
      const errorRef = '#/components/schemas/ErrorResponseDto';

      const offenders = Object.entries(document.paths).flatMap(([routePath, operations]) =>
        Object.entries(operations).flatMap(([method, operation]) =>
          Object.entries(operation.responses)
            .filter(([status]) => Number(status) >= 400 && !routePath.startsWith('/health/'))
            .filter(([, answer]) => answer.content?.['application/json']?.schema?.$ref !== errorRef)
            .map(([status]) => `${method.toUpperCase()} ${routePath} ${status}`),
        ),
      );

      expect(Object.keys(errorShape.properties ?? {}).sort()).toEqual(
        ['code', 'details', 'error', 'message', 'request_id', 'statusCode'].sort(),
      );
      expect(offenders).toEqual([]);
    });
  });

  describe('docker-compose.yml', () => {
    const compose = parseYaml(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };

    it('should be valid against the Compose Specification schema', () => {
      const validate = compileComposeSchema();

      const isValid = validate(compose);

      expect(validate.errors ?? []).toEqual([]);
      expect(isValid).toBe(true);
    });

    it('should run the api and worker with the package scripts', () => {
      const packageJson = JSON.parse(
        readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'),
      ) as {
        scripts: Record<string, string>;
      };

      expect(compose.services.api.command).toEqual(['npm', 'run', 'start:api']);
      expect(compose.services.worker.command).toEqual(['npm', 'run', 'start:worker']);
      expect(packageJson.scripts['start:api']).toContain('dist/src/main.js');
      expect(packageJson.scripts['start:worker']).toContain('dist/src/worker.js');
    });

    it('should set only settings that lensq knows', () => {
      const known = Object.keys(new EnvironmentVariables());

      for (const name of ['api', 'worker']) {
        const unknown = Object.keys(compose.services[name].environment ?? {}).filter(
          (variable) => !known.includes(variable),
        );
        expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
      }
    });
  });

  // Last: it stops the worker.
  describe('readiness without a worker', () => {
    it('should answer 503 as soon as the only worker has shut down', async () => {
      await stack.worker.stop();

      const response = await fetch(`${stack.baseUrl}/health/ready`);

      expect(response.status).toBe(503);
      expect(((await response.json()) as HealthReport).error).toMatchObject({
        workers: { status: 'down', count: 0 },
        model: { status: 'down' },
      });
    });
  });
});

interface HealthReport {
  status: string;
  info: Record<string, unknown>;
  error: Record<string, unknown>;
  details: Record<string, unknown>;
}

async function waitForReady(baseUrl: string, timeoutMs = 20_000): Promise<HealthReport> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const response = await fetch(`${baseUrl}/health/ready`);
    last = await response.json();
    if (response.status === 200) return last as HealthReport;
    await sleep(250);
  }
  throw new Error(`Not ready after ${timeoutMs} ms; last report: ${JSON.stringify(last)}`);
}

/** The model version and backend the worker logged when it loaded the model. */
function loadedModelOf(worker: AppProcess): { version: string; backend: string } {
  const line = worker.output.find((entry) => /Model \S+ loaded from/.test(entry)) ?? '';
  const match = /Model (\S+) loaded from .* backend (\S+)/.exec(line);
  if (!match) throw new Error(`The worker never logged its model:\n${worker.tail()}`);
  return { version: match[1], backend: match[2] };
}

/** Routes as Nest logs them at start: `Mapped {/tasks/result/:id, GET} route`. */
function mappedRoutesOf(api: AppProcess): string[] {
  return api.output.flatMap((line) => {
    const match = /Mapped \{(\S+), (\w+)\} route/.exec(line);
    return match ? [`${match[2]} ${match[1]}`] : [];
  });
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one sample in Prometheus text format: the series whose labels include `labels`. */
function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number {
  const samples = text.split('\n').flatMap((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) return [];
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [
        pair[1],
        pair[2],
      ]),
    );
    const isMatch = Object.entries(labels).every(([key, value]) => found[key] === value);
    return isMatch ? [Number(match[3])] : [];
  });
  if (samples.length !== 1) {
    throw new Error(
      `Expected one ${name} sample with ${JSON.stringify(labels)}, found ${samples.length}`,
    );
  }
  return samples[0];
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A 28x28 PNG of a vertical bar, the shape of a 1. */
async function barPng(): Promise<{ name: string; bytes: Buffer; type: string }> {
  const pixels = Buffer.alloc(28 * 28);
  for (let y = 4; y < 24; y += 1) pixels.fill(255, y * 28 + 13, y * 28 + 16);
  const bytes = await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
    .png()
    .toBuffer();
  return { name: 'bar.png', bytes, type: 'image/png' };
}

/**
 * The vendored Compose Specification schema (see test/fixtures/compose-spec.README.md), which
 * predates the top-level `name`: that one property is added as the current schema defines it.
 */
function compileComposeSchema() {
  const schema = JSON.parse(
    readFileSync(path.join(__dirname, 'fixtures', 'compose-spec.schema.json'), 'utf8'),
    // Draft-04 "id" annotations ("#/definitions/service"): Ajv refuses them, and no $ref uses them.
    (key, value: unknown) => (key === 'id' && typeof value === 'string' ? undefined : value),
  ) as { $schema?: string; properties: Record<string, unknown> };
  // Its "$schema" URL differs from Ajv's draft 2019-09 identifier only in spelling.
  delete schema.$schema;
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };

  // Not strict: the schema was written for any validator, not for Ajv's extra strictness rules.
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}
