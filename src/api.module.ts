import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AdminModule } from './admin/admin.module';
import { AccessLogMiddleware } from './common/access-log.middleware';
import { ApiErrorFilter } from './common/api-error.filter';
import { RequestIdMiddleware } from './common/request-id.middleware';
import { AppConfigModule } from './config/app-config.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { TasksModule } from './tasks/tasks.module';
import { WebModule } from './web/web.module';

/** Root of the API process: HTTP only, never runs jobs or loads the model. */
@Module({
  imports: [AppConfigModule, TasksModule, WebModule, HealthModule, MetricsModule, AdminModule],
  providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware, AccessLogMiddleware).forRoutes('*');
  }
}
