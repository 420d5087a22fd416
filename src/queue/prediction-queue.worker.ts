import { InjectQueue } from '@nestjs/bull';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Job, Queue } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { PredictDigitsProcessor } from './predict-digits.processor';
import { JobName, PredictDigitsJobData, QueueName } from './queue.constants';

/**
 * Consumes the predictions queue in the worker process only. Registered by hand rather
 * than with @Process so the concurrency comes from configuration.
 */
@Injectable()
export class PredictionQueueWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PredictionQueueWorker.name);

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue<PredictDigitsJobData>,
    private readonly processor: PredictDigitsProcessor,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    const concurrency = this.config.workerConcurrency;
    this.queue.on('failed', (job: Job<PredictDigitsJobData>, error: Error) => {
      this.processor
        .onFailed(job, error)
        .catch((failure: Error) =>
          this.logger.error(`Could not record the failure of job ${job.id}: ${failure.message}`),
        );
    });
    this.queue.on('stalled', (job: Job<PredictDigitsJobData>) =>
      this.logger.warn(
        `Job ${job.id} (task ${job.data.taskId}) stalled: its worker stopped; it will run again`,
      ),
    );
    this.queue.on('error', (error: Error) =>
      this.logger.warn(`Queue connection problem: ${error.message}`),
    );

    this.queue
      .process(JobName.PredictDigits, concurrency, (job: Job<PredictDigitsJobData>) =>
        this.processor.process(job),
      )
      .catch((error: Error) =>
        this.logger.error(`Queue consumer stopped: ${error.message}`, error.stack),
      );
    this.logger.log(
      `Consuming queue ${QueueName.Predictions} (prefix ${this.config.queuePrefix}) with concurrency ${concurrency}`,
    );
  }

  /** Finishes the jobs in hand before the process exits, so none is left active. */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`Shutting down${signal ? ` on ${signal}` : ''}: finishing active jobs`);
    await this.queue.close();
  }
}
