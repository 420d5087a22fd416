import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';

import { PredictionTaskImage } from './prediction-task-image.entity';
import {
  PredictionTask,
  PredictionTaskStatus,
  PredictionTaskTimings,
} from './prediction-task.entity';

export interface NewTaskImage {
  filename: string;
  format: string;
  width: number | null;
  height: number | null;
  bytes: Buffer;
}

export interface StoredImageForProcessing {
  position: number;
  filename: string;
  bytes: Buffer;
}

export interface ImageOutcome {
  position: number;
  digit: number | null;
  confidence: number | null;
  probabilities: number[] | null;
  errorCode: string | null;
  errorMessage: string | null;
  inputPng: Buffer | null;
}

/** Task history in Postgres: the only place the state of a task is decided. */
@Injectable()
export class PredictionTaskRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a task and all its images in one transaction: a task is never half-written. */
  async createTask(id: string, images: NewTaskImage[]): Promise<PredictionTask> {
    return this.dataSource.transaction(async (manager) => {
      const task = manager.create(PredictionTask, {
        id,
        status: PredictionTaskStatus.Queued,
        imageCount: images.length,
        errorMessage: null,
        attempts: 0,
        modelVersion: null,
        timings: null,
        startedAt: null,
        finishedAt: null,
      });
      await manager.insert(PredictionTask, task);

      const rows = images.map((image, position) => ({
        taskId: id,
        position,
        filename: image.filename,
        format: image.format,
        byteSize: image.bytes.length,
        width: image.width,
        height: image.height,
        bytes: image.bytes,
      }));
      await manager.insert(PredictionTaskImage, rows);

      return manager.findOneByOrFail(PredictionTask, { id });
    });
  }

  /** The task and what was read from its images, without the image bytes. */
  async findWithImages(id: string): Promise<PredictionTask | null> {
    return this.dataSource.getRepository(PredictionTask).findOne({
      where: { id },
      relations: { images: true },
      order: { images: { position: 'ASC' } },
    });
  }

  /** The 28x28 model inputs of a task's images, by position. */
  async findInputPreviews(taskId: string): Promise<Map<number, Buffer>> {
    const rows = await this.dataSource
      .getRepository(PredictionTaskImage)
      .createQueryBuilder('image')
      .select('image.position')
      .addSelect('image.inputPng')
      .where('image.task_id = :taskId', { taskId })
      .getMany();
    return new Map(rows.flatMap((row) => (row.inputPng ? [[row.position, row.inputPng]] : [])));
  }

  /**
   * Claims a task for processing. Returns null when it is already finished (or gone), so
   * a job delivered twice does its work once.
   */
  async markActive(id: string): Promise<PredictionTask | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(PredictionTask)
      .set({
        status: PredictionTaskStatus.Active,
        startedAt: () => 'now()',
        attempts: () => 'attempts + 1',
      })
      .where({ id, status: In([PredictionTaskStatus.Queued, PredictionTaskStatus.Active]) })
      .returning('*')
      .execute();
    const rows = result.raw as Array<Record<string, unknown>>;
    if (rows.length === 0) {
      return null;
    }
    return this.dataSource.getRepository(PredictionTask).findOneBy({ id });
  }

  async loadImagesForProcessing(taskId: string): Promise<StoredImageForProcessing[]> {
    const rows = await this.dataSource
      .getRepository(PredictionTaskImage)
      .createQueryBuilder('image')
      .select(['image.position', 'image.filename'])
      .addSelect('image.bytes')
      .where('image.task_id = :taskId', { taskId })
      .orderBy('image.position', 'ASC')
      .getMany();
    return rows.map((row) => ({
      position: row.position,
      filename: row.filename,
      bytes: row.bytes ?? Buffer.alloc(0),
    }));
  }

  /**
   * Records every image's outcome and completes the task in one transaction. The image
   * bytes are dropped here: once read, they are not needed again.
   */
  async completeTask(
    taskId: string,
    outcomes: ImageOutcome[],
    timings: PredictionTaskTimings,
    modelVersion: string,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = await manager
        .createQueryBuilder()
        .update(PredictionTask)
        .set({
          status: PredictionTaskStatus.Completed,
          finishedAt: () => 'now()',
          timings,
          modelVersion,
          errorMessage: null,
        })
        .where({ id: taskId, status: PredictionTaskStatus.Active })
        .execute();
      if (claimed.affected === 0) {
        return false;
      }

      for (const outcome of outcomes) {
        await manager.update(
          PredictionTaskImage,
          { taskId, position: outcome.position },
          {
            digit: outcome.digit,
            confidence: outcome.confidence,
            probabilities: outcome.probabilities,
            errorCode: outcome.errorCode,
            errorMessage: outcome.errorMessage,
            inputPng: outcome.inputPng,
            bytes: null,
          },
        );
      }
      return true;
    });
  }

  /** Marks a task failed for good, with a reason a client can act on. */
  async failTask(taskId: string, reason: string): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(PredictionTask)
      .set({ status: PredictionTaskStatus.Failed, finishedAt: () => 'now()', errorMessage: reason })
      .where({ id: taskId, status: In([PredictionTaskStatus.Queued, PredictionTaskStatus.Active]) })
      .execute();
    await this.dataSource.getRepository(PredictionTaskImage).update({ taskId }, { bytes: null });
  }

  /** Unfinished tasks created before `createdBefore`, oldest first, for the reconciler. */
  async findUnfinishedIds(createdBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource.getRepository(PredictionTask).find({
      select: { id: true },
      where: {
        status: In([PredictionTaskStatus.Queued, PredictionTaskStatus.Active]),
        createdAt: LessThan(createdBefore),
      },
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return rows.map((row) => row.id);
  }
}
