import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bull';
import { hostname } from 'node:os';

import { DigitReadingService } from '../inference/digit-reading.service';
import { QueueName } from '../queue/queue.constants';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkerStatus } from './worker-status';

export const HEARTBEAT_INTERVAL_MS = 5_000;
// Three missed beats in a row, and the worker counts as gone.
export const HEARTBEAT_TTL_SECONDS = 15;

/**
 * Tells the API's readiness check that this worker is alive, with its model and backend: a
 * Redis key refreshed every few seconds that expires when the process dies. Starts once the
 * model is loaded (application bootstrap), and withdraws when the process begins to shut down.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  readonly workerId = `${hostname()}:${process.pid}`;
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;
  private jobsDone = 0;
  private isFailing = false;
  private isStopping = false;
  private lastBeat: Promise<void> = Promise.resolve();

  constructor(
    private readonly heartbeats: WorkerHeartbeatRepository,
    private readonly digitReading: DigitReadingService,
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap(): void {
    // Local events: only jobs this process ran, whichever way they ended.
    this.queue.on('completed', () => (this.jobsDone += 1));
    this.queue.on('failed', () => (this.jobsDone += 1));

    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  // The first shutdown hook, before the queue stops and closes the Redis connection.
  async onModuleDestroy(): Promise<void> {
    this.isStopping = true;
    clearInterval(this.timer);
    await this.lastBeat;

    try {
      await this.heartbeats.remove(this.workerId);
    } catch (error) {
      this.logger.warn(
        `Heartbeat not withdrawn, it expires by itself: ${(error as Error).message}`,
      );
    }
  }

  /** Writes one heartbeat; a failure is logged once per outage, and the next beat retries. */
  beat(): Promise<void> {
    if (this.isStopping) return Promise.resolve();
    this.lastBeat = this.publish();
    return this.lastBeat;
  }

  private async publish(): Promise<void> {
    try {
      await this.heartbeats.publish(this.status(), HEARTBEAT_TTL_SECONDS);
      if (this.isFailing) this.logger.log('Heartbeat restored');
      this.isFailing = false;
    } catch (error) {
      if (!this.isFailing) {
        this.logger.warn(`Heartbeat not written, readiness will fail: ${(error as Error).message}`);
      }
      this.isFailing = true;
    }
  }

  status(): WorkerStatus {
    return {
      id: this.workerId,
      host: hostname(),
      pid: process.pid,
      model_version: this.digitReading.modelVersion,
      backend: this.digitReading.backend,
      started_at: this.startedAt.toISOString(),
      beat_at: new Date().toISOString(),
      jobs_done: this.jobsDone,
    };
  }
}
