import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import { PredictionDispatcher } from './prediction-dispatcher.service';
import { QueueName } from './queue.constants';

/** The Bull queue as a producer; workers add the consumer in WorkerModule. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        redis: config.redisUrl,
        prefix: config.queuePrefix,
        settings: {
          // A killed worker's job is picked up by another after its lock lapses.
          lockDuration: 30_000,
          stalledInterval: 15_000,
          maxStalledCount: 3,
        },
      }),
    }),
    BullModule.registerQueue({ name: QueueName.Predictions }),
  ],
  providers: [PredictionDispatcher],
  exports: [PredictionDispatcher, BullModule],
})
export class QueueModule {}
