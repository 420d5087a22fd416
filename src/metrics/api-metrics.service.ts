import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { withTimeout } from '../common/with-timeout';
import { WorkerHeartbeatRepository } from '../health/worker-heartbeat.repository';
import { QueueName } from '../queue/queue.constants';

// A scrape must not hang on a dead Redis: past this, the Redis-derived series are left out.
const REDIS_TIMEOUT_MS = 1000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * The API process's Prometheus registry: its HTTP traffic, plus two cluster-wide views read
 * from Redis at scrape time (the queue's job counts and the workers' heartbeats). Those two
 * are the same from every API replica: aggregate them with max, never sum.
 */
@Injectable()
export class ApiMetrics {
  private readonly logger = new Logger(ApiMetrics.name);
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'lensq_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'lensq_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
    private readonly heartbeats: WorkerHeartbeatRepository,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.registerQueueDepth();
    this.registerWorkers();
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private registerQueueDepth(): void {
    const gauge: Gauge<'state'> = new Gauge({
      name: 'lensq_queue_jobs',
      help: 'Jobs in the predictions queue by state, read from Redis at scrape time (cluster-wide)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect: async () => {
        gauge.reset();
        const counts = await this.readRedis(() => this.queue.getJobCounts(), 'queue job counts');
        if (!counts) return;
        for (const state of QUEUE_STATES) gauge.set({ state }, counts[state]);
      },
    });
  }

  private registerWorkers(): void {
    const gauge: Gauge<'model_version' | 'backend'> = new Gauge({
      name: 'lensq_workers_alive',
      help: 'Worker processes with a fresh heartbeat, by model version and backend (cluster-wide)',
      labelNames: ['model_version', 'backend'] as const,
      registers: [this.registry],
      collect: async () => {
        gauge.reset();
        const workers = await this.readRedis(
          () => this.heartbeats.findAlive(),
          'worker heartbeats',
        );
        for (const worker of workers ?? []) {
          gauge.inc({ model_version: worker.model_version, backend: worker.backend });
        }
      },
    });
  }

  /** A Redis read for a scrape: undefined instead of an error, so the rest still answers. */
  private async readRedis<T>(read: () => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await withTimeout(read(), REDIS_TIMEOUT_MS, what);
    } catch (error) {
      this.logger.warn(`Metrics without ${what}: ${(error as Error).message}`);
      return undefined;
    }
  }
}
