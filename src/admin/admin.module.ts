import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { InjectQueue } from '@nestjs/bull';
import { Logger, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { Queue } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { QueueModule } from '../queue/queue.module';
import { QueueName } from '../queue/queue.constants';
import { AdminBasicAuthMiddleware } from './admin-basic-auth.middleware';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board, the queue dashboard, at /admin/queues behind HTTP basic authentication. Mounted
 * only when ADMIN_USERNAME and ADMIN_PASSWORD are set: otherwise the path does not exist (404).
 */
@Module({
  imports: [QueueModule],
  providers: [AdminBasicAuthMiddleware],
})
export class AdminModule implements NestModule {
  private readonly logger = new Logger(AdminModule.name);

  constructor(
    private readonly config: AppConfigService,
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    if (!this.config.adminCredentials) {
      this.logger.log('Queue dashboard off: set ADMIN_USERNAME and ADMIN_PASSWORD to serve it');
      return;
    }

    const dashboard = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({ queues: [new BullAdapter(this.queue)], serverAdapter: dashboard });

    consumer
      .apply(AdminBasicAuthMiddleware, dashboard.getRouter() as (...args: unknown[]) => void)
      .forRoutes(QUEUE_DASHBOARD_PATH);
    this.logger.log(`Queue dashboard at ${QUEUE_DASHBOARD_PATH}`);
  }
}
