import { Module } from '@nestjs/common';

import { PersistenceModule } from '../persistence/persistence.module';
import { QueueModule } from '../queue/queue.module';
import { TaskCompletionListener } from './task-completion.listener';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [PersistenceModule, QueueModule],
  controllers: [TasksController],
  providers: [TasksService, TaskCompletionListener],
})
export class TasksModule {}
