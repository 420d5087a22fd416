import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

import { deleteRedisKeys, dropSchema, freePort } from './local-services';

export { freePort } from './local-services';

const REPO_ROOT = path.resolve(__dirname, '../..');
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A running process of the built app, with everything it printed so far. */
export class AppProcess {
  readonly output: string[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) =>
      this.output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  async waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.output.some((line) => pattern.test(line))) return;
      if (this.child.exitCode !== null) {
        throw new Error(
          `${this.name} exited with ${this.child.exitCode} before printing ${pattern}:\n${this.tail()}`,
        );
      }
      await sleep(100);
    }
    throw new Error(
      `${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.tail()}`,
    );
  }

  /** Sends a signal and waits for the exit; returns the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  tail(lines = 40): string {
    return this.output.slice(-lines).join('\n');
  }
}

/**
 * The real API and worker processes from dist/, on a free loopback port, with their own
 * Postgres schema and Redis key prefix so test files never see each other's data.
 */
export class LensqStack {
  readonly schema = `e2e_${randomBytes(4).toString('hex')}`;
  readonly queuePrefix = `lensq-e2e-${randomBytes(4).toString('hex')}`;
  api!: AppProcess;
  worker!: AppProcess;
  port = 0;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return {
      ...pickProcessEnv(),
      PORT: String(this.port),
      REDIS_URL,
      DATABASE_URL,
      DATABASE_SCHEMA: this.schema,
      QUEUE_PREFIX: this.queuePrefix,
      MODEL_PATH: path.join(REPO_ROOT, 'model'),
      LOG_FORMAT: 'text',
      NODE_ENV: 'test',
      ...this.extraEnv,
    };
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.worker = this.spawn('worker');
    this.api = this.spawn('api');
    await Promise.all([
      this.api.waitForLine(/API listening on port/),
      this.worker.waitForLine(/Worker ready/),
    ]);
  }

  spawn(kind: 'api' | 'worker', env: Record<string, string> = {}): AppProcess {
    const entry = path.join(REPO_ROOT, 'dist', 'src', kind === 'api' ? 'main.js' : 'worker.js');
    const child = spawn(process.execPath, [entry], {
      cwd: REPO_ROOT,
      env: { ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(kind, child);
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop(), this.worker?.stop()]);
    await dropSchema(DATABASE_URL, this.schema);
    await deleteRedisKeys(REDIS_URL, `${this.queuePrefix}:*`);
  }
}

function pickProcessEnv(): Record<string, string> {
  // Only what a process needs to run; lensq settings come from the test, not the shell.
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR'];
  return Object.fromEntries(
    keep.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A stack started before the enclosing describe's tests and stopped after them. */
export function useLensqStack(extraEnv: Record<string, string> = {}): LensqStack {
  const stack = new LensqStack(extraEnv);
  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.stop(), 60_000);
  return stack;
}
