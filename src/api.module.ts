import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { ApiErrorFilter } from './common/api-error.filter';
import { RequestIdMiddleware } from './common/request-id.middleware';
import { AppConfigModule } from './config/app-config.module';
import { TasksModule } from './tasks/tasks.module';
import { WebModule } from './web/web.module';

/** Root of the API process: HTTP only, never runs jobs or loads the model. */
@Module({
  imports: [AppConfigModule, TasksModule, WebModule],
  providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
