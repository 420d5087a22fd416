import { Module } from '@nestjs/common';

import { InferenceModule } from '../inference/inference.module';
import { QueueModule } from '../queue/queue.module';
import { WorkerHeartbeat } from './worker-heartbeat.service';
import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';

/** In the worker process only: publishes the heartbeat that the API's readiness check reads. */
@Module({
  imports: [QueueModule, InferenceModule],
  providers: [WorkerHeartbeat, WorkerHeartbeatRepository],
})
export class WorkerHeartbeatModule {}
