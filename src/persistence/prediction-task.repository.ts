import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, LessThan } from 'typeorm';

import { INPUT_PREVIEW_BYTES } from '../../libs/digit-reading/input-preview';
import { PredictionTaskImage } from './prediction-task-image.entity';
import {
  FINISHED_STATUSES,
  PredictionTask,
  PredictionTaskStatus,
  PredictionTaskTimings,
} from './prediction-task.entity';

export interface TaskListFilter {
  owner: string | null;
  status?: PredictionTaskStatus;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Continue after this task, in newest-first order. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Who asked and how to recognise the same request sent again. */
export interface TaskOrigin {
  owner: string | null;
  idempotencyKey: string | null;
  requestHash: string;
}

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

/** What a long-poll needs to know of a task before it waits: whether it is finished. */
export type TaskState = Pick<PredictionTask, 'status' | 'finishedAt'>;

/** A task claimed by a worker, with the images it has to read. */
export interface ClaimedTask {
  task: PredictionTask;
  images: StoredImageForProcessing[];
}

export interface ImageOutcome {
  position: number;
  digit: number | null;
  confidence: number | null;
  probabilities: number[] | null;
  uncertain: boolean;
  /** Why the digit should not be trusted; empty when it can be. */
  doubts: string[];
  errorCode: string | null;
  errorMessage: string | null;
  /** The model input as 8-bit grey preview pixels (784 bytes), null when none was read. */
  inputPixels: Uint8Array | null;
}

/** What is stored of the model input an image gave, by format; see PredictionTaskImage. */
export interface StoredInputPreview {
  pixels: Buffer | null;
  png: Buffer | null;
}

/**
 * A CTE that lets the statement's commit return before its WAL is on disk, which saves an
 * fsync (about 5 ms here) per statement. Only for the worker's writes, which a Postgres
 * crash may undo without harm: the task is then unfinished again, and the reconciler
 * dispatches it once more (processing is idempotent). A worker that dies loses nothing:
 * Postgres still writes the WAL within a fraction of a second. createTask keeps the
 * default, because its 202 promises the client that the task is stored. Statements use it
 * through RELAXED_COMMIT_TAKEN, a one-time filter that Postgres evaluates before writing.
 */
const RELAXED_COMMIT = `relaxed_commit AS (SELECT set_config('synchronous_commit', 'off', true))`;
const RELAXED_COMMIT_TAKEN = 'EXISTS (SELECT FROM relaxed_commit)';

// Parameters per image row of createTask's INSERT, after the task id and the position.
const IMAGE_COLUMNS = 6;

/** Task history in Postgres: the only place the state of a task is decided. */
@Injectable()
export class PredictionTaskRepository {
  private imageColumnList: string | undefined;
  private taskColumnNames: string[] | undefined;
  private readonly statementNames = new Map<string, string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a task and all its images in one statement, so a task is never half-written, in
   * one round trip. Image bytes go as binary parameters, never re-encoded as text.
   */
  async createTask(
    id: string,
    images: NewTaskImage[],
    origin: TaskOrigin,
  ): Promise<PredictionTask> {
    const taskParameters = [
      id,
      PredictionTaskStatus.Queued,
      images.length,
      origin.owner,
      origin.idempotencyKey,
      origin.requestHash,
    ];
    const imageRows = images.map((_, position) => {
      const first = taskParameters.length + position * IMAGE_COLUMNS + 1;
      const placeholders = Array.from(
        { length: IMAGE_COLUMNS },
        (__, column) => `$${first + column}`,
      );
      return `($1, ${position}, ${placeholders.join(', ')})`;
    });
    const imageParameters = images.flatMap((image) => [
      image.filename,
      image.format,
      image.bytes.length,
      image.width,
      image.height,
      image.bytes,
    ]);

    const rows = await this.queryPrepared<Array<Record<string, unknown>>>(
      `WITH task AS (
         INSERT INTO prediction_tasks (id, status, image_count, owner, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
      RETURNING ${this.taskColumns()}
       ), stored_images AS (
         INSERT INTO prediction_task_images
                (task_id, position, filename, format, byte_size, width, height, bytes)
         VALUES ${imageRows.join(', ')}
       )
       SELECT ${this.taskColumns()} FROM task`,
      [...taskParameters, ...imageParameters],
    );
    return this.hydrateTask(rows[0]);
  }

  /** The task an owner created under an Idempotency-Key, if any. */
  async findByIdempotencyKey(owner: string | null, key: string): Promise<PredictionTask | null> {
    return this.dataSource
      .getRepository(PredictionTask)
      .createQueryBuilder('task')
      .where(`COALESCE(task.owner, '') = :owner`, { owner: owner ?? '' })
      .andWhere('task.idempotency_key = :key', { key })
      .getOne();
  }

  /** The task and what was read from its images, without the image bytes. */
  async findWithImages(id: string, owner: string | null = null): Promise<PredictionTask | null> {
    // Every long-poll answer runs this: raw SQL spares TypeORM's query building. One row per
    // task, its images as one JSON array, rather than the task's columns repeated (and
    // parsed) on a joined row per image.
    const rows = await this.queryPrepared<Array<Record<string, unknown>>>(
      `SELECT ${this.taskColumns('task')},
              (SELECT json_agg(image ORDER BY image.position)
                 FROM (SELECT ${this.imageColumns()}
                         FROM prediction_task_images
                        WHERE task_id = task.id) AS image) AS images
         FROM prediction_tasks AS task
        WHERE task.id = $1 ${owner === null ? '' : 'AND task.owner = $2'}`,
      owner === null ? [id] : [id, owner],
    );
    if (rows.length === 0) return null;

    const task = this.hydrateTask(rows[0]);
    const images = (rows[0].images ?? []) as Array<Record<string, unknown>>;
    task.images = images.map((image) => this.hydrate(PredictionTaskImage, image));
    return task;
  }

  /** The task's status and finish time alone: one row, no images; null when there is none. */
  async findState(id: string, owner: string | null = null): Promise<TaskState | null> {
    const rows = await this.queryPrepared<Array<{ status: string; finished_at: Date | null }>>(
      `SELECT status, finished_at FROM prediction_tasks
        WHERE id = $1 ${owner === null ? '' : 'AND owner = $2'}`,
      owner === null ? [id] : [id, owner],
    );
    if (rows.length === 0) return null;
    return { status: rows[0].status as PredictionTaskStatus, finishedAt: rows[0].finished_at };
  }

  /**
   * Tasks newest first, with their images (without bytes), for history pages. Keyset
   * pagination on (created_at, id): stable while new tasks arrive.
   */
  async listTasks(filter: TaskListFilter): Promise<PredictionTask[]> {
    const query = this.dataSource
      .getRepository(PredictionTask)
      .createQueryBuilder('task')
      .orderBy('task.created_at', 'DESC')
      .addOrderBy('task.id', 'DESC')
      .take(filter.limit);
    if (filter.owner !== null) query.andWhere('task.owner = :owner', { owner: filter.owner });
    if (filter.status) query.andWhere('task.status = :status', { status: filter.status });
    if (filter.createdAfter) query.andWhere('task.created_at >= :createdAfter', filter);
    if (filter.createdBefore) query.andWhere('task.created_at < :createdBefore', filter);
    if (filter.after) {
      query.andWhere('(task.created_at, task.id) < (:afterCreatedAt, :afterId)', {
        afterCreatedAt: filter.after.createdAt,
        afterId: filter.after.id,
      });
    }
    const tasks = await query.getMany();
    if (tasks.length === 0) return tasks;

    const images = await this.dataSource.getRepository(PredictionTaskImage).find({
      where: { taskId: In(tasks.map((task) => task.id)) },
      order: { position: 'ASC' },
    });
    for (const task of tasks) task.images = images.filter((image) => image.taskId === task.id);
    return tasks;
  }

  /** The 28x28 model inputs of a task's images, by position; images without one are left out. */
  async findInputPreviews(taskId: string): Promise<Map<number, StoredInputPreview>> {
    const rows = await this.dataSource
      .getRepository(PredictionTaskImage)
      .createQueryBuilder('image')
      .select('image.position')
      .addSelect('image.inputPixels')
      .addSelect('image.inputPng')
      .where('image.task_id = :taskId', { taskId })
      .getMany();
    return new Map(
      rows
        .filter((row) => row.inputPixels || row.inputPng)
        .map((row) => [row.position, { pixels: row.inputPixels, png: row.inputPng }]),
    );
  }

  /**
   * Claims a task for processing and reads its images, in one statement and one round trip on
   * the worker's hot path. Null when the task is already finished (or gone), so a job delivered
   * twice does its work once.
   */
  async claimForProcessing(id: string): Promise<ClaimedTask | null> {
    // The SELECT sees the images as they were before the UPDATE, which does not touch them.
    // One row, the images as one JSON array (bytes in hex, which Buffer.from decodes natively),
    // rather than the task's columns repeated on a joined row per image.
    const rows = await this.queryPrepared<Array<Record<string, unknown>>>(
      `WITH ${RELAXED_COMMIT}, claimed AS (
         UPDATE prediction_tasks
            SET status = $2, started_at = now(), attempts = attempts + 1
          WHERE id = $1 AND status = ANY($3) AND ${RELAXED_COMMIT_TAKEN}
      RETURNING ${this.taskColumns()}
       )
       SELECT ${this.taskColumns('claimed')},
              (SELECT json_agg(json_build_object('position', image.position,
                                                 'filename', image.filename,
                                                 'bytes', encode(image.bytes, 'hex'))
                               ORDER BY image.position)
                 FROM prediction_task_images AS image
                WHERE image.task_id = claimed.id) AS images
         FROM claimed`,
      [id, PredictionTaskStatus.Active, [PredictionTaskStatus.Queued, PredictionTaskStatus.Active]],
    );
    if (rows.length === 0) {
      return null;
    }

    const storedImages = (rows[0].images ?? []) as Array<{
      position: number;
      filename: string;
      bytes: string | null;
    }>;
    const images = storedImages.map((image) => ({
      position: image.position,
      filename: image.filename,
      bytes: Buffer.from(image.bytes ?? '', 'hex'),
    }));
    return { task: this.hydrateTask(rows[0]), images };
  }

  /**
   * Records every image's outcome and completes the task in one statement, so atomically
   * and in one round trip, whatever the number of images. The image bytes are dropped here:
   * once read, they are not needed again. False when the task was not active any more.
   */
  async completeTask(
    taskId: string,
    outcomes: ImageOutcome[],
    timings: PredictionTaskTimings,
    modelVersion: string,
    options = { shouldKeepImages: false },
  ): Promise<boolean> {
    // Outcomes travel as one JSON parameter. The preview pixels of all images travel as one
    // bytea parameter, which node-postgres sends as binary (a bytea[] would go as hex text),
    // and each image takes its slice of it.
    const previews = outcomes.flatMap((outcome) =>
      outcome.inputPixels ? [outcome.inputPixels] : [],
    );
    let previewSlot = 0;
    const rows = outcomes.map((outcome) => ({
      position: outcome.position,
      digit: outcome.digit,
      confidence: outcome.confidence,
      probabilities: outcome.probabilities,
      uncertain: outcome.uncertain,
      doubts: outcome.doubts,
      error_code: outcome.errorCode,
      error_message: outcome.errorMessage,
      preview_offset: outcome.inputPixels ? previewSlot++ * INPUT_PREVIEW_BYTES : null,
    }));
    const claimed = await this.queryPrepared<Array<{ claimed: number }>>(
      `WITH ${RELAXED_COMMIT}, claimed AS (
         UPDATE prediction_tasks
            SET status = $2, finished_at = now(), timings = $3, model_version = $4,
                error_message = NULL
          WHERE id = $1 AND status = $5 AND ${RELAXED_COMMIT_TAKEN}
      RETURNING id
       ), saved AS (
         UPDATE prediction_task_images AS image
            SET digit = outcome.digit, confidence = outcome.confidence,
                probabilities = outcome.probabilities, uncertain = outcome.uncertain,
                doubts = outcome.doubts,
                error_code = outcome.error_code, error_message = outcome.error_message,
                input_pixels = substring($7::bytea FROM outcome.preview_offset + 1 FOR $9),
                bytes = CASE WHEN $8 THEN image.bytes END
           FROM jsonb_to_recordset($6::jsonb) AS outcome(
                  position int, digit smallint, confidence real, probabilities real[],
                  uncertain boolean, doubts text[], error_code varchar, error_message text,
                  preview_offset int)
          WHERE image.task_id IN (SELECT id FROM claimed) AND image.position = outcome.position
       )
       SELECT count(*)::int AS claimed FROM claimed`,
      [
        taskId,
        PredictionTaskStatus.Completed,
        JSON.stringify(timings),
        modelVersion,
        PredictionTaskStatus.Active,
        JSON.stringify(rows),
        Buffer.concat(previews),
        options.shouldKeepImages,
        INPUT_PREVIEW_BYTES,
      ],
    );
    return claimed[0].claimed > 0;
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

  /** Cancels a task no worker has started. Returns false when it is no longer queued. */
  async cancelQueuedTask(taskId: string): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(PredictionTask)
      .set({
        status: PredictionTaskStatus.Cancelled,
        finishedAt: () => 'now()',
        errorMessage: 'Cancelled by the client before it started',
      })
      .where({ id: taskId, status: PredictionTaskStatus.Queued })
      .execute();
    if (result.affected === 0) return false;

    await this.dataSource.getRepository(PredictionTaskImage).update({ taskId }, { bytes: null });
    return true;
  }

  /** Deletes a finished task and its images. Returns false when it is not finished. */
  async deleteFinishedTask(taskId: string): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(PredictionTask)
      .delete({ id: taskId, status: In(FINISHED_STATUSES) });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Expires tasks finished before `finishedBefore`: their images and results are deleted
   * and a small row stays so the id answers 410 Gone. Returns how many expired.
   */
  async expireFinishedTasks(finishedBefore: Date, limit: number): Promise<number> {
    const raw: unknown[] = await this.dataSource.query(
      `WITH expiring AS (
         SELECT id FROM prediction_tasks
          WHERE status = ANY($2) AND finished_at < $1
          ORDER BY finished_at LIMIT $3
          FOR UPDATE SKIP LOCKED
       ), cleared AS (
         DELETE FROM prediction_task_images WHERE task_id IN (SELECT id FROM expiring)
       )
       UPDATE prediction_tasks SET status = 'expired', timings = NULL
        WHERE id IN (SELECT id FROM expiring) RETURNING id`,
      [finishedBefore, FINISHED_STATUSES, limit],
    );
    // TypeORM answers an UPDATE with [rows, count], anything else with the rows.
    const expired = Array.isArray(raw[0]) ? raw[0] : raw;
    return expired.length;
  }

  /** Forgets expired tasks for good once even their tombstones are old. Returns how many. */
  async purgeExpiredTasks(finishedBefore: Date): Promise<number> {
    const result = await this.dataSource
      .getRepository(PredictionTask)
      .delete({ status: PredictionTaskStatus.Expired, finishedAt: LessThan(finishedBefore) });
    return result.affected ?? 0;
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

  /**
   * Runs one of the hot statements (a task's insert, claim, completion and reads) as a named
   * prepared statement: Postgres parses and plans it once per connection instead of at every
   * call, which halved its CPU per task (2.3 -> 1.3 ms for a 16-image task, measured). The name
   * comes from the text, so another text (another image count, a new release) gets its own.
   * Such statements list their columns rather than `*`: a cached plan whose result columns
   * change (a migration adding a column under running processes) would fail.
   */
  private queryPrepared<T>(text: string, parameters: unknown[]): Promise<T> {
    let name = this.statementNames.get(text);
    if (!name) {
      name = `lensq_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
      this.statementNames.set(text, name);
    }
    // TypeORM hands the query to node-postgres as it is, and node-postgres takes a query
    // config ({ name, text }) wherever it takes a text; TypeORM's type only knows the text.
    const statement = { name, text } as unknown as string;
    return this.dataSource.query<T>(statement, parameters);
  }

  /** The task's columns, for statements that must not use `*` (see queryPrepared). */
  private taskColumns(table?: string): string {
    this.taskColumnNames ??= this.dataSource
      .getMetadata(PredictionTask)
      .columns.map((column) => column.databaseName);
    const qualifier = table ? `${table}.` : '';
    return this.taskColumnNames.map((column) => `${qualifier}"${column}"`).join(', ');
  }

  /** An entity from a raw row, converted as TypeORM converts what it reads itself. */
  private hydrate<T extends object>(entity: new () => T, row: Record<string, unknown>): T {
    const instance = new entity();
    for (const column of this.dataSource.getMetadata(entity).columns) {
      const raw = row[column.databaseName];
      column.setEntityValue(instance, this.dataSource.driver.prepareHydratedValue(raw, column));
    }
    return instance;
  }

  private hydrateTask(row: Record<string, unknown>): PredictionTask {
    return this.hydrate(PredictionTask, row);
  }

  /** The image columns that findWithImages reads: all but the bytes and previews. */
  private imageColumns(): string {
    this.imageColumnList ??= this.dataSource
      .getMetadata(PredictionTaskImage)
      .columns.filter((column) => column.isSelect)
      .map((column) => `"${column.databaseName}"`)
      .join(', ');
    return this.imageColumnList;
  }
}
