import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

import { WorkerHeartbeatRepository } from '../health/worker-heartbeat.repository';
import { QueueModule } from '../queue/queue.module';
import { ApiMetrics } from './api-metrics.service';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';

/** The API's GET /metrics, and the HTTP instrumentation of every route. */
@Module({
  imports: [QueueModule],
  controllers: [MetricsController],
  providers: [ApiMetrics, HttpMetricsMiddleware, WorkerHeartbeatRepository],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
