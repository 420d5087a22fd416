import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import { WorkerHeartbeatRepository } from './worker-heartbeat.repository';
import { WorkerStatus } from './worker-status';

/**
 * The workers and their model, as their heartbeats tell (the API never loads the model):
 * `workers` is up while at least one worker has reported within its heartbeat TTL, and
 * `model` names the model versions and TensorFlow.js backends those workers run.
 */
@Injectable()
export class WorkersHealthIndicator {
  constructor(
    private readonly heartbeats: WorkerHeartbeatRepository,
    private readonly healthIndicator: HealthIndicatorService,
  ) {}

  async isHealthy(): Promise<HealthIndicatorResult<'workers' | 'model'>> {
    const workers = this.healthIndicator.check('workers');
    const model = this.healthIndicator.check('model');

    let alive: WorkerStatus[];
    try {
      alive = await this.heartbeats.findAlive();
    } catch (error) {
      const message = `Worker heartbeats unreadable: ${(error as Error).message}`;
      return { ...workers.down({ message }), ...model.down({ message }) };
    }

    if (alive.length === 0) {
      const message = 'No worker has reported in recently; start one with npm run start:worker';
      return { ...workers.down({ count: 0, message }), ...model.down({ message }) };
    }
    return {
      ...workers.up({ count: alive.length, workers: alive }),
      ...model.up({
        versions: distinct(alive.map((worker) => worker.model_version)),
        backends: distinct(alive.map((worker) => worker.backend)),
      }),
    };
  }
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}
