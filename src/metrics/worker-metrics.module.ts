import { Module } from '@nestjs/common';

import { InferenceModule } from '../inference/inference.module';
import { QueueModule } from '../queue/queue.module';
import { WorkerMetrics } from './worker-metrics.service';
import { WorkerMetricsServer } from './worker-metrics.server';

/** In the worker process only: its metrics, and the port Prometheus scrapes them on. */
@Module({
  imports: [QueueModule, InferenceModule],
  providers: [WorkerMetrics, WorkerMetricsServer],
  exports: [WorkerMetrics],
})
export class WorkerMetricsModule {}
