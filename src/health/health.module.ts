import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { PersistenceModule } from '../persistence/persistence.module';
import { QueueModule } from '../queue/queue.module';
import { DatabaseHealthIndicator } from './database.health';
import { HealthCheckLogger } from './health-check.logger';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { RedisHealthIndicator } from './redis.health';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkersHealthIndicator } from './workers.health';

/** The API's /health/live and /health/ready. */
@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'json', logger: HealthCheckLogger }),
    PersistenceModule,
    QueueModule,
  ],
  controllers: [HealthController],
  providers: [
    HealthService,
    RedisHealthIndicator,
    DatabaseHealthIndicator,
    WorkersHealthIndicator,
    WorkerHeartbeatRepository,
  ],
})
export class HealthModule {}
