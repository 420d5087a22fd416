import { ChildProcess, spawn } from 'node:child_process';

import Redis from 'ioredis';

import { freePort, sleep } from './lensq-stack';

/**
 * A redis-server of the test's own on a free loopback port, without persistence, so a test
 * can kill, restart and flush it without touching the Redis everyone else shares.
 */
export class LoopbackRedis {
  port = 0;
  private server: ChildProcess | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on the same port as before, when restarting) and waits for PONG. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    this.server = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await this.waitForPong();
  }

  /** Kills the server at once, as a crash would; everything it held is gone. */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    server.kill('SIGKILL');
    await exited;
  }

  /** A restart that loses every key: what a Redis without persistence does. */
  async restartEmpty(downtimeMs = 0): Promise<void> {
    await this.kill();
    await sleep(downtimeMs);
    await this.start();
  }

  async flushAll(): Promise<void> {
    await this.withClient((redis) => redis.flushall());
  }

  /** Jobs some worker holds right now, in the Bull queue under `prefix`. */
  async activeJobs(prefix: string): Promise<number> {
    return this.withClient((redis) => redis.llen(`${prefix}:predictions:active`));
  }

  async withClient<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    try {
      await redis.connect();
      return await work(redis);
    } finally {
      redis.disconnect();
    }
  }

  private async waitForPong(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const isUp = await this.withClient((redis) => redis.ping()).catch(() => null);
      if (isUp === 'PONG') return;
      if (this.server?.exitCode !== null) {
        throw new Error(`redis-server on port ${this.port} exited with ${this.server?.exitCode}`);
      }
      await sleep(50);
    }
    throw new Error(`redis-server on port ${this.port} did not answer within ${timeoutMs} ms`);
  }
}
