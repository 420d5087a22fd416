import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';

import { AppConfigService } from '../config/app-config.service';
import { PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { PredictionDispatcher } from './prediction-dispatcher.service';
import { PredictDigitsJobData, QueueName } from './queue.constants';

// Tasks younger than this are still on their way through the API's own dispatch.
const GRACE_MS = 5_000;
const BATCH = 500;

/**
 * Postgres is the record and Redis only dispatches: this re-enqueues every unfinished
 * task that has no job in Redis (after a Redis restart or flush, or a failed dispatch).
 * Runs at worker start and then periodically; enqueuing is idempotent, so several
 * workers reconciling at once do no harm.
 */
@Injectable()
export class TaskReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private isRunning = false;

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue<PredictDigitsJobData>,
    private readonly tasks: PredictionTaskRepository,
    private readonly dispatcher: PredictionDispatcher,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    void this.reconcile();
    this.timer = setInterval(() => void this.reconcile(), this.config.reconcileIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many tasks were dispatched again. */
  async reconcile(): Promise<number> {
    if (this.isRunning) return 0;
    this.isRunning = true;
    try {
      const createdBefore = new Date(Date.now() - GRACE_MS);
      const ids = await this.tasks.findUnfinishedIds(createdBefore, BATCH);
      const jobless = await this.withoutLiveJob(ids);
      // A job that completed while we looked is removed from Redis too: read the tasks again so
      // that a task finished meanwhile is not dispatched a second time.
      const stillUnfinished = new Set(await this.tasks.findUnfinishedIds(createdBefore, BATCH));

      let redispatched = 0;
      for (const { id, failedJob } of jobless) {
        if (!stillUnfinished.has(id)) continue;
        if (failedJob) await failedJob.remove();
        if (await this.dispatcher.dispatch(id)) redispatched += 1;
      }
      if (redispatched > 0) {
        this.logger.warn(`Re-dispatched ${redispatched} task(s) that were stored but not queued`);
      }
      return redispatched;
    } catch (error) {
      this.logger.warn(`Reconciliation skipped: ${(error as Error).message}`);
      return 0;
    } finally {
      this.isRunning = false;
    }
  }

  /** The tasks whose job Redis lost, or whose job Bull gave up on (with that job). */
  private async withoutLiveJob(
    ids: string[],
  ): Promise<Array<{ id: string; failedJob: Job | null }>> {
    const jobless: Array<{ id: string; failedJob: Job | null }> = [];
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (!job) jobless.push({ id, failedJob: null });
      else if (await job.isFailed()) jobless.push({ id, failedJob: job });
    }
    return jobless;
  }
}
