import { NestFactory } from '@nestjs/core';

import { createAppLogger } from './common/app-logger';
import { readSettingsOrExit } from './common/bootstrap-settings';
import { WorkerModule } from './worker.module';

/** The worker process: an application context without HTTP that consumes the queue. */
async function bootstrap(): Promise<void> {
  const settings = readSettingsOrExit();
  const logger = createAppLogger(settings, 'worker');

  const app = await NestFactory.createApplicationContext(WorkerModule, { logger });
  app.enableShutdownHooks();
  await app.init();
  logger.log('Worker ready', 'Bootstrap');
}

void bootstrap();
