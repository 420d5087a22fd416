import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Redis } from 'ioredis';

import { withTimeout } from '../common/with-timeout';
import { AppConfigService } from '../config/app-config.service';
import { QueueName } from '../queue/queue.constants';
import { WorkerStatus } from './worker-status';

// Redis answers in a millisecond; a call waiting longer than this is talking to a dead server.
const REDIS_TIMEOUT_MS = 1000;

/**
 * Worker heartbeats in Redis: one key per worker process, `<prefix>:workers:<host>:<pid>`, that
 * expires unless refreshed, and a set `<prefix>:workers` naming them so readers need no SCAN.
 * Freshness is the key's TTL, decided by Redis alone, so the clocks of different hosts never
 * matter. It uses the queue's own Redis connection: one connection fewer per process.
 */
@Injectable()
export class WorkerHeartbeatRepository {
  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
    private readonly config: AppConfigService,
  ) {}

  async publish(status: WorkerStatus, ttlSeconds: number): Promise<void> {
    const write = this.redis
      .multi()
      .set(this.keyOf(status.id), JSON.stringify(status), 'EX', ttlSeconds)
      .sadd(this.indexKey, status.id)
      .exec();
    await withTimeout(write, REDIS_TIMEOUT_MS, 'Redis heartbeat write');
  }

  async remove(workerId: string): Promise<void> {
    const removal = this.redis
      .multi()
      .del(this.keyOf(workerId))
      .srem(this.indexKey, workerId)
      .exec();
    await withTimeout(removal, REDIS_TIMEOUT_MS, 'Redis heartbeat removal');
  }

  /** Workers whose heartbeat has not expired. */
  findAlive(): Promise<WorkerStatus[]> {
    return withTimeout(this.readAlive(), REDIS_TIMEOUT_MS, 'Redis heartbeat read');
  }

  private async readAlive(): Promise<WorkerStatus[]> {
    const ids = await this.redis.smembers(this.indexKey);
    if (ids.length === 0) return [];

    const values = await this.redis.mget(ids.map((id) => this.keyOf(id)));

    // The index forgets workers whose key expired: they died without withdrawing.
    const expired = ids.filter((_, index) => values[index] === null);
    if (expired.length > 0) await this.redis.srem(this.indexKey, ...expired);

    return values.flatMap((value) => (value === null ? [] : [JSON.parse(value) as WorkerStatus]));
  }

  private get redis(): Redis {
    return this.queue.client;
  }

  private get indexKey(): string {
    return `${this.config.queuePrefix}:workers`;
  }

  private keyOf(workerId: string): string {
    return `${this.indexKey}:${workerId}`;
  }
}
