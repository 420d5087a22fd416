import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Queue } from 'bull';

import { withTimeout } from '../common/with-timeout';
import { QueueName } from '../queue/queue.constants';

const PING_TIMEOUT_MS = 1000;

/** Redis, which dispatches every job: up when it answers PING within a second. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
    private readonly healthIndicator: HealthIndicatorService,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.healthIndicator.check(key);
    const started = performance.now();
    try {
      await withTimeout(this.queue.client.ping(), PING_TIMEOUT_MS, 'Redis PING');
      return indicator.up({ response_ms: Math.round(performance.now() - started) });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
