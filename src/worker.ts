import { NestFactory } from '@nestjs/core';

import { createAppLogger } from './common/app-logger';
import { readSettingsOrExit } from './common/bootstrap-settings';
import { WorkerModule } from './worker.module';

/** The worker process: an application context without HTTP that consumes the queue. */
async function bootstrap(): Promise<void> {
  const settings = readSettingsOrExit();
  const logger = createAppLogger(settings, 'worker');

  const app = await NestFactory.createApplicationContext(WorkerModule, { logger });
  // Exit 0 once shut down cleanly; by default Nest re-raises the signal and the process
  // ends "killed by SIGTERM", which supervisors cannot tell from a kill.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  logger.log('Worker ready', 'Bootstrap');
}

void bootstrap();
