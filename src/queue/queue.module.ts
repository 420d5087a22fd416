import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import { PredictionDispatcher } from './prediction-dispatcher.service';
import { MAX_STALLED_COUNT, QueueName } from './queue.constants';
import { redisConnectionOptions } from './redis-connection';

/** The Bull queue as a producer; workers add the consumer in WorkerModule. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        redis: redisConnectionOptions(config.redisUrl),
        prefix: config.queuePrefix,
        settings: {
          // A killed worker's job is picked up by another once its lock lapses and the next
          // stall check runs: within 1.5 times QUEUE_LOCK_SECONDS.
          lockDuration: config.queueLockMs,
          stalledInterval: config.queueLockMs / 2,
          // A job that kills its worker every time fails after this many restarts.
          maxStalledCount: MAX_STALLED_COUNT,
        },
      }),
    }),
    BullModule.registerQueue({ name: QueueName.Predictions }),
  ],
  providers: [PredictionDispatcher],
  exports: [PredictionDispatcher, BullModule],
})
export class QueueModule {}
