import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bull';

import { PredictDigitsJobData, QueueName } from '../queue/queue.constants';

/** Told when something may have happened to one task; see TaskCompletionListener.watch. */
export interface TaskWatch {
  /**
   * Resolves at the first event about the task since the last call (at once when one came
   * in between), after `timeoutMs` otherwise, or at once when the API is shutting down.
   */
  next(timeoutMs: number): Promise<void>;
  close(): void;
}

interface Watcher {
  hasNews: boolean;
  wake?: () => void;
}

/**
 * Lets long-polling requests sleep until their task finishes instead of reading Postgres
 * again and again. Bull publishes every job's completion and final failure on Redis, and a
 * job's id is its task's id, so one subscription per API process covers every task. Events
 * are hints, never the record: whoever wakes reads the task from Postgres again.
 */
@Injectable()
export class TaskCompletionListener implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskCompletionListener.name);
  private readonly watchers = new Map<string, Set<Watcher>>();
  private isShuttingDown = false;

  constructor(
    @InjectQueue(QueueName.Predictions) private readonly queue: Queue<PredictDigitsJobData>,
  ) {}

  onModuleInit(): void {
    const notify = (jobId: string | number) => this.notify(String(jobId));
    this.queue.on('global:completed', notify);
    this.queue.on('global:failed', notify);
    this.logger.debug(`Listening for finished jobs of queue ${QueueName.Predictions}`);
  }

  /** False once the API is shutting down: long-polls then answer at once. */
  get isListening(): boolean {
    return !this.isShuttingDown;
  }

  /**
   * Runs before Nest closes the HTTP server, which waits for open requests: released here,
   * pending long-polls answer at once instead of holding the shutdown for their full wait.
   */
  beforeApplicationShutdown(): void {
    this.isShuttingDown = true;
    for (const taskId of this.watchers.keys()) this.notify(taskId);
  }

  /** Start watching before reading the task, so an event between the two is not missed. */
  watch(taskId: string): TaskWatch {
    const watcher: Watcher = { hasNews: false };
    const watchers = this.watchers.get(taskId) ?? new Set<Watcher>();
    watchers.add(watcher);
    this.watchers.set(taskId, watchers);

    return {
      next: (timeoutMs) => this.nextEvent(watcher, timeoutMs),
      close: () => {
        watchers.delete(watcher);
        if (watchers.size === 0) this.watchers.delete(taskId);
        watcher.wake?.();
      },
    };
  }

  private nextEvent(watcher: Watcher, timeoutMs: number): Promise<void> {
    if (watcher.hasNews || this.isShuttingDown || timeoutMs <= 0) {
      watcher.hasNews = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => watcher.wake?.(), timeoutMs);
      watcher.wake = () => {
        clearTimeout(timer);
        watcher.wake = undefined;
        watcher.hasNews = false;
        resolve();
      };
    });
  }

  private notify(taskId: string): void {
    for (const watcher of this.watchers.get(taskId) ?? []) {
      watcher.hasNews = true;
      watcher.wake?.();
    }
  }
}
