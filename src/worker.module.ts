import { Module } from '@nestjs/common';

import { AppConfigModule } from './config/app-config.module';
import { WorkerHeartbeatModule } from './health/worker-heartbeat.module';
import { InferenceModule } from './inference/inference.module';
import { WorkerMetricsModule } from './metrics/worker-metrics.module';
import { PersistenceModule } from './persistence/persistence.module';
import { TaskRetentionService } from './persistence/task-retention.service';
import { PredictDigitsProcessor } from './queue/predict-digits.processor';
import { PredictionQueueWorker } from './queue/prediction-queue.worker';
import { QueueModule } from './queue/queue.module';
import { TaskReconciler } from './queue/task-reconciler.service';

/** Root of the worker process: consumes the queue, holds the model, serves no HTTP. */
@Module({
  imports: [
    AppConfigModule,
    PersistenceModule,
    QueueModule,
    InferenceModule,
    WorkerHeartbeatModule,
    WorkerMetricsModule,
  ],
  providers: [PredictDigitsProcessor, PredictionQueueWorker, TaskReconciler, TaskRetentionService],
})
export class WorkerModule {}
