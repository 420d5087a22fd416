import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

import { AppConfigService } from '../config/app-config.service';
import { PredictionTaskRepository } from './prediction-task.repository';

// Tombstones of expired tasks (a row without images) are forgotten after this much longer.
const TOMBSTONE_MS = 30 * 24 * 3_600_000;
const SWEEP_BATCH = 1000;

/**
 * Keeps the task store from growing without bound: finished tasks older than the
 * retention expire (results deleted, the id answers 410) and old tombstones go. Every
 * worker sweeps; the statements are safe to run concurrently.
 */
@Injectable()
export class TaskRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskRetentionService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tasks: PredictionTaskRepository,
    private readonly config: AppConfigService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.retentionSweepIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Returns how many tasks expired and how many tombstones were purged. */
  async sweep(now = new Date()): Promise<{ expired: number; purged: number }> {
    try {
      const cutoff = new Date(now.getTime() - this.config.taskRetentionMs);
      let expired = 0;
      let batch: number;
      do {
        batch = await this.tasks.expireFinishedTasks(cutoff, SWEEP_BATCH);
        expired += batch;
      } while (batch === SWEEP_BATCH);
      const purged = await this.tasks.purgeExpiredTasks(new Date(cutoff.getTime() - TOMBSTONE_MS));

      if (expired + purged > 0) {
        this.logger.log(
          `Retention sweep: ${expired} task(s) expired, ${purged} tombstone(s) purged`,
        );
      }
      return { expired, purged };
    } catch (error) {
      this.logger.warn(`Retention sweep skipped: ${(error as Error).message}`);
      return { expired: 0, purged: 0 };
    }
  }
}
