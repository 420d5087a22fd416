import { Column, CreateDateColumn, Entity, OneToMany, PrimaryColumn } from 'typeorm';

import { PredictionTaskImage } from './prediction-task-image.entity';

export enum PredictionTaskStatus {
  Queued = 'queued',
  Active = 'active',
  Completed = 'completed',
  Failed = 'failed',
  /** Cancelled by its client before a worker started it. */
  Cancelled = 'cancelled',
  /** Finished long enough ago that its results were deleted; the id answers 410. */
  Expired = 'expired',
}

/** Statuses in which a task will not change again (until it expires). */
export const FINISHED_STATUSES = [
  PredictionTaskStatus.Completed,
  PredictionTaskStatus.Failed,
  PredictionTaskStatus.Cancelled,
];

/** Time spent on a task, in milliseconds. */
export interface PredictionTaskTimings {
  queue_wait_ms: number;
  decode_ms: number;
  inference_ms: number;
  total_ms: number;
}

/** One upload of one or more images; the record of truth for its outcome. */
@Entity({ name: 'prediction_tasks' })
export class PredictionTask {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PredictionTaskStatus;

  @Column({ name: 'image_count', type: 'int' })
  imageCount!: number;

  /** Why the whole task failed; per-image problems live on the images. */
  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'attempts', type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'model_version', type: 'varchar', length: 128, nullable: true })
  modelVersion!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  timings!: PredictionTaskTimings | null;

  /** The API key that created the task, when API keys are enabled. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  owner!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** sha256 of the uploaded files, to tell a retry from a different request under the same key. */
  @Column({ name: 'request_hash', type: 'char', length: 64, nullable: true })
  requestHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @OneToMany(() => PredictionTaskImage, (image) => image.task)
  images?: PredictionTaskImage[];
}
