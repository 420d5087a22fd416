import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { PredictionTask } from './prediction-task.entity';

/** One uploaded image of a task, its bytes until processed, and what was read from it. */
@Entity({ name: 'prediction_task_images' })
export class PredictionTaskImage {
  @PrimaryColumn({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  /** Zero-based position in the upload, which is the order of the result. */
  @PrimaryColumn({ type: 'int' })
  position!: number;

  @ManyToOne(() => PredictionTask, (task) => task.images, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id' })
  task?: PredictionTask;

  /** The client's file name, for display only: never used as a path. */
  @Column({ type: 'varchar', length: 255 })
  filename!: string;

  /** Format read from the bytes at upload (png, jpeg, webp, gif, bmp, tiff). */
  @Column({ type: 'varchar', length: 8 })
  format!: string;

  @Column({ name: 'byte_size', type: 'int' })
  byteSize!: number;

  @Column({ type: 'int', nullable: true })
  width!: number | null;

  @Column({ type: 'int', nullable: true })
  height!: number | null;

  /** The upload itself; cleared once the task is finished. */
  @Column({ type: 'bytea', nullable: true, select: false })
  bytes!: Buffer | null;

  @Column({ type: 'smallint', nullable: true })
  digit!: number | null;

  @Column({ type: 'real', nullable: true })
  confidence!: number | null;

  @Column({ type: 'real', array: true, nullable: true })
  probabilities!: number[] | null;

  /** The digit should not be trusted (see `doubts`), or the model found no digit at all. */
  @Column({ type: 'boolean', default: false })
  uncertain!: boolean;

  /** Why it should not be trusted (`DigitDoubt` codes); empty for rows written before. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  doubts!: string[];

  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /**
   * The 28x28 input the model saw, as 784 grey bytes row by row; loaded only when a client
   * asks for it, and encoded as PNG then.
   */
  @Column({ name: 'input_pixels', type: 'bytea', nullable: true, select: false })
  inputPixels!: Buffer | null;

  /** The same input as PNG, in rows written before input_pixels existed; never written now. */
  @Column({ name: 'input_png', type: 'bytea', nullable: true, select: false })
  inputPng!: Buffer | null;
}
