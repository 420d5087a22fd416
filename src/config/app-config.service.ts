import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import * as path from 'node:path';

import { EnvironmentVariables } from './environment';

/** Typed, validated settings. */
@Injectable()
export class AppConfigService {
  constructor(private readonly config: ConfigService<EnvironmentVariables, true>) {}

  get port(): number {
    return this.config.get('PORT', { infer: true });
  }

  /** Address the API and the worker's metrics endpoint listen on. */
  get host(): string {
    return this.config.get('HOST', { infer: true });
  }

  get redisUrl(): string {
    return this.config.get('REDIS_URL', { infer: true });
  }

  get databaseUrl(): string {
    return this.config.get('DATABASE_URL', { infer: true });
  }

  get databaseSchema(): string {
    return this.config.get('DATABASE_SCHEMA', { infer: true });
  }

  get modelPath(): string {
    return path.resolve(this.config.get('MODEL_PATH', { infer: true }));
  }

  get queuePrefix(): string {
    return this.config.get('QUEUE_PREFIX', { infer: true });
  }

  get workerConcurrency(): number {
    return this.config.get('WORKER_CONCURRENCY', { infer: true });
  }

  get reconcileIntervalMs(): number {
    return this.config.get('RECONCILE_INTERVAL_SECONDS', { infer: true }) * 1000;
  }

  get queueLockMs(): number {
    return this.config.get('QUEUE_LOCK_SECONDS', { infer: true }) * 1000;
  }

  get taskRetentionMs(): number {
    return this.config.get('TASK_RETENTION_HOURS', { infer: true }) * 3_600_000;
  }

  get retentionSweepIntervalMs(): number {
    return this.config.get('RETENTION_SWEEP_INTERVAL_SECONDS', { infer: true }) * 1000;
  }

  get shouldKeepImagesAfterFinish(): boolean {
    return this.config.get('KEEP_IMAGES_AFTER_FINISH', { infer: true });
  }

  /** Owner by key; empty when API keys are off. */
  get apiKeys(): Map<string, string> {
    const pairs = this.config.get('API_KEYS', { infer: true });
    return new Map(
      pairs
        .split(',')
        .filter(Boolean)
        .map((pair) => {
          const separator = pair.indexOf(':');
          return [pair.slice(separator + 1), pair.slice(0, separator)] as [string, string];
        }),
    );
  }

  get rateLimitPerMinute(): number {
    return this.config.get('RATE_LIMIT_PER_MINUTE', { infer: true });
  }

  get uploadLimits(): UploadLimits {
    return {
      maxFiles: this.config.get('MAX_FILES_PER_REQUEST', { infer: true }),
      maxFileBytes: this.config.get('MAX_FILE_BYTES', { infer: true }),
      maxRequestBytes: this.config.get('MAX_REQUEST_BYTES', { infer: true }),
      maxPixels: this.config.get('MAX_IMAGE_PIXELS', { infer: true }),
    };
  }

  get uncertainBelow(): number {
    return this.config.get('UNCERTAIN_BELOW', { infer: true });
  }

  /** The Bull Board login, or null when the dashboard is not to be mounted. */
  get adminCredentials(): AdminCredentials | null {
    const username = this.config.get('ADMIN_USERNAME', { infer: true });
    const password = this.config.get('ADMIN_PASSWORD', { infer: true });
    return username && password ? { username, password } : null;
  }

  /** Port of the worker's metrics endpoint; 0 when it is off. */
  get workerMetricsPort(): number {
    return this.config.get('WORKER_METRICS_PORT', { infer: true });
  }
}

export interface AdminCredentials {
  username: string;
  password: string;
}

export interface UploadLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxRequestBytes: number;
  maxPixels: number;
}
