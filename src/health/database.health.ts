import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { withTimeout } from '../common/with-timeout';

const QUERY_TIMEOUT_MS = 1000;

/** Postgres, the record of every task: up when `SELECT 1` answers within a second. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly healthIndicator: HealthIndicatorService,
  ) {}

  async isHealthy<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.healthIndicator.check(key);
    const started = performance.now();
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), QUERY_TIMEOUT_MS, 'Postgres SELECT 1');
      return indicator.up({ response_ms: Math.round(performance.now() - started) });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
