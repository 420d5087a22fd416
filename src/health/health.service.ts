import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';

import { DatabaseHealthIndicator } from './database.health';
import { HealthReportDto } from './dto/health-report.dto';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';

/** Liveness and readiness of the API process. Every check has its own timeout of a second. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
  ) {}

  /** The process answers: nothing outside it is consulted, so a Redis outage never restarts it. */
  live(): Promise<HealthReportDto> {
    return this.report([]);
  }

  /** Redis and Postgres answer, and at least one worker with a loaded model has reported in. */
  ready(): Promise<HealthReportDto> {
    return this.report([
      () => this.redis.isHealthy('redis'),
      () => this.database.isHealthy('database'),
      () => this.workers.isHealthy(),
    ]);
  }

  /** Terminus throws when a check is down; the report is the answer either way. */
  private async report(checks: HealthIndicatorFunction[]): Promise<HealthReportDto> {
    try {
      return (await this.health.check(checks)) as HealthReportDto;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      return error.getResponse() as HealthReportDto;
    }
  }
}
