import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';

import { encodeInputPreviewPixels } from '../../libs/digit-reading/input-preview';
import { ImageRejectedError } from '../../libs/imaging/image-rejected-error';
import { inspectImage } from '../../libs/imaging/inspect-image';
import { ErrorCode, FileProblem, LensqError } from '../common/lensq-error';
import { Requester } from '../common/requester.decorator';
import { AppConfigService } from '../config/app-config.service';
import { isDatabaseUnavailable } from '../persistence/database-errors';
import { PredictionTaskImage } from '../persistence/prediction-task-image.entity';
import {
  FINISHED_STATUSES,
  PredictionTask,
  PredictionTaskStatus,
} from '../persistence/prediction-task.entity';
import {
  NewTaskImage,
  PredictionTaskRepository,
  TaskOrigin,
  TaskState,
} from '../persistence/prediction-task.repository';
import { PredictionDispatcher } from '../queue/prediction-dispatcher.service';
import { ImagePredictionDto } from './dto/image-prediction.dto';
import { ListPredictionTasksQueryDto } from './dto/list-prediction-tasks-query.dto';
import { PredictionTaskPageDto } from './dto/prediction-task-page.dto';
import { PredictionTaskResponseDto } from './dto/prediction-task-response.dto';
import { TaskCompletionListener } from './task-completion.listener';
import { parseImageUpload, ReceivedFile } from './upload/multipart-image-upload.parser';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const UNIQUE_VIOLATION = '23505';
const DEFAULT_PAGE_SIZE = 20;
// A long-poll reads the task again at least this often, whether or not an event woke it:
// events are hints, and a task can also finish without one (cancelled, failed by a worker).
const LONG_POLL_RECHECK_MS = 1000;

// When several files are bad, the answer's status is that of the most serious problem.
const STATUS_PRIORITY: ErrorCode[] = [
  'too-many-pixels',
  'unsupported-format',
  'corrupt-image',
  'empty-file',
];

export interface SubmittedTask {
  id: string;
  /** True when an Idempotency-Key matched an earlier, identical request. */
  isReplay: boolean;
}

/** Accepts uploads as tasks, answers their outcome, cancels and deletes them. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly config: AppConfigService,
    private readonly tasks: PredictionTaskRepository,
    private readonly dispatcher: PredictionDispatcher,
    private readonly completions: TaskCompletionListener,
  ) {}

  /** Validates the upload, stores it, and hands it to the workers. */
  async submit(req: Request, requester: Requester): Promise<SubmittedTask> {
    const idempotencyKey = readIdempotencyKey(req);
    const files = await parseImageUpload(req, this.config.uploadLimits);

    const images = await this.inspectAll(files);
    const origin: TaskOrigin = {
      owner: requester.owner,
      idempotencyKey,
      requestHash: hashFiles(files),
    };

    const replayed = idempotencyKey ? await this.findReplay(origin) : null;
    if (replayed) return { id: replayed, isReplay: true };

    const id = randomUUID();
    const stored = await this.store(id, images, origin);
    if (stored !== id) return { id: stored, isReplay: true };

    const isDispatched = await this.dispatcher.dispatch(id);
    this.logger.log(
      `Task ${id} accepted: ${images.length} image(s)${isDispatched ? '' : ', dispatch deferred'}`,
    );
    return { id, isReplay: false };
  }

  /**
   * The task's outcome. With `waitSeconds`, an unfinished task is answered once it finishes
   * or when the wait is over, whichever comes first (long-polling).
   */
  async getResult(
    id: string,
    requester: Requester,
    options: { isInputIncluded?: boolean; waitSeconds?: number } = {},
  ): Promise<PredictionTaskResponseDto> {
    const task = options.waitSeconds
      ? await this.waitUntilFinished(id, requester, options.waitSeconds * 1000)
      : await this.findVisibleTask(id, requester);

    const response = this.toResponse(task);
    // Inputs exist only once the task is read; a long-poll asks again until then.
    if (options.isInputIncluded && response.ready) {
      const previews = await this.withDatabase(() => this.tasks.findInputPreviews(task.id));
      for (const image of response.images) {
        const preview = previews.get(image.index);
        const png = preview?.pixels ? encodeInputPreviewPixels(preview.pixels) : preview?.png;
        if (png) image.input = `data:image/png;base64,${png.toString('base64')}`;
      }
    }
    return response;
  }

  /** The requester's tasks, newest first, a page at a time. */
  async list(
    query: ListPredictionTasksQueryDto,
    requester: Requester,
  ): Promise<PredictionTaskPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;

    const tasks = await this.withDatabase(() =>
      this.tasks.listTasks({
        owner: requester.owner,
        status: query.status,
        createdAfter: query.created_after ? new Date(query.created_after) : undefined,
        createdBefore: query.created_before ? new Date(query.created_before) : undefined,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        // One more than the page: whether it comes back says if there is a next page.
        limit: limit + 1,
      }),
    );

    const page = tasks.slice(0, limit);
    const hasNextPage = tasks.length > limit;
    return {
      tasks: page.map((task) => this.toResponse(task)),
      next_cursor: hasNextPage ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  /** Cancels a task that has not started, or deletes a finished one with its images. */
  async cancelOrDelete(id: string, requester: Requester): Promise<'cancelled' | 'deleted'> {
    const task = await this.findVisibleTask(id, requester);

    if (task.status === PredictionTaskStatus.Queued) {
      if (await this.withDatabase(() => this.tasks.cancelQueuedTask(task.id))) {
        await this.dispatcher.withdraw(task.id);
        this.logger.log(`Task ${task.id} cancelled by its client`);
        return 'cancelled';
      }
    }
    if (FINISHED_STATUSES.includes(task.status)) {
      if (await this.withDatabase(() => this.tasks.deleteFinishedTask(task.id))) {
        this.logger.log(`Task ${task.id} deleted by its client`);
        return 'deleted';
      }
    }
    throw new LensqError(
      'task-in-progress',
      `Task ${task.id} is being processed and cannot be cancelled; delete it once it is finished`,
    );
  }

  /**
   * Reads the task until it is finished or `waitMs` is over; each read is a fresh one. A
   * long-poll mostly starts before its task is done, so the checks read the task's status
   * alone, and the task with its images is read once, when there is something to answer.
   */
  private async waitUntilFinished(
    id: string,
    requester: Requester,
    waitMs: number,
  ): Promise<PredictionTask> {
    const deadline = Date.now() + waitMs;
    const watch = this.completions.watch(id.toLowerCase());
    try {
      let status = await this.findVisibleStatus(id, requester);
      while (!FINISHED_STATUSES.includes(status) && this.completions.isListening) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        await watch.next(Math.min(remaining, LONG_POLL_RECHECK_MS));
        status = await this.findVisibleStatus(id, requester);
      }
      return await this.findVisibleTask(id, requester);
    } finally {
      watch.close();
    }
  }

  private async findVisibleTask(id: string, requester: Requester): Promise<PredictionTask> {
    checkTaskId(id);
    const task = await this.withDatabase(() =>
      this.tasks.findWithImages(id.toLowerCase(), requester.owner),
    );
    return visibleTask(id, task);
  }

  private async findVisibleStatus(id: string, requester: Requester): Promise<PredictionTaskStatus> {
    checkTaskId(id);
    const state = await this.withDatabase(() =>
      this.tasks.findState(id.toLowerCase(), requester.owner),
    );
    return visibleTask(id, state).status;
  }

  /** Checks every file from its header; all bad files are reported together. */
  private async inspectAll(files: ReceivedFile[]): Promise<NewTaskImage[]> {
    const limits = { maxPixels: this.config.uploadLimits.maxPixels };
    const problems: FileProblem[] = [];
    const images: NewTaskImage[] = [];

    for (const file of files) {
      try {
        const info = await inspectImage(file.bytes, limits);
        images.push({
          filename: file.filename,
          format: info.format,
          width: info.width,
          height: info.height,
          bytes: file.bytes,
        });
      } catch (error) {
        if (!(error instanceof ImageRejectedError)) throw error;
        problems.push({
          file: file.filename,
          index: file.index,
          code: error.code,
          message: `${file.filename}: ${error.message}`,
        });
      }
    }

    if (problems.length > 0) {
      const code =
        STATUS_PRIORITY.find((candidate) =>
          problems.some((problem) => problem.code === candidate),
        ) ?? 'invalid-request';
      const summary = problems.map((problem) => problem.message).join(' ');
      throw new LensqError(
        code,
        `${problems.length} of ${files.length} file(s) cannot be accepted. ${summary}`,
        problems,
      );
    }
    return images;
  }

  /** The id of an earlier identical request under the same key; a different request is refused. */
  private async findReplay(origin: TaskOrigin): Promise<string | null> {
    const earlier = await this.withDatabase(() =>
      this.tasks.findByIdempotencyKey(origin.owner, origin.idempotencyKey!),
    );
    if (!earlier) return null;
    if (earlier.requestHash !== origin.requestHash) {
      throw new LensqError(
        'idempotency-key-reused',
        `Idempotency-Key "${origin.idempotencyKey}" was already used for a different upload (task ${earlier.id}); use a new key for a new request`,
      );
    }
    return earlier.id;
  }

  /** Stores the task; returns the id of the task that holds the request (another on a key race). */
  private async store(id: string, images: NewTaskImage[], origin: TaskOrigin): Promise<string> {
    try {
      await this.withDatabase(() => this.tasks.createTask(id, images, origin));
      return id;
    } catch (error) {
      const isKeyRace =
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION &&
        origin.idempotencyKey !== null;
      if (!isKeyRace) throw error;
      return (await this.findReplay(origin))!;
    }
  }

  /** Turns an unreachable database into a 503 the client can retry, never a 500 or a hang. */
  private async withDatabase<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof LensqError || !isDatabaseUnavailable(error)) throw error;
      this.logger.warn(`Database unavailable: ${(error as Error).message}`);
      throw new LensqError(
        'service-unavailable',
        'The task store is unavailable right now; retry shortly',
        [],
        2,
      );
    }
  }

  private toResponse(task: PredictionTask): PredictionTaskResponseDto {
    const isReady = FINISHED_STATUSES.includes(task.status);
    const images = (task.images ?? []).map((image) => this.toImagePrediction(image, isReady));

    return {
      result_id: task.id,
      ready: isReady,
      successful: isReady ? task.status === PredictionTaskStatus.Completed : null,
      value: isReady
        ? images.map((image) => (image.digit === null ? null : String(image.digit)))
        : null,
      status: task.status,
      images,
      error: task.errorMessage,
      created_at: task.createdAt.toISOString(),
      finished_at: task.finishedAt ? task.finishedAt.toISOString() : null,
      model_version: task.modelVersion,
      timings: task.timings,
    };
  }

  private toImagePrediction(image: PredictionTaskImage, isReady: boolean): ImagePredictionDto {
    const confidence = image.confidence === null ? null : roundTo(image.confidence, 4);
    return {
      index: image.position,
      filename: image.filename,
      digit: isReady ? image.digit : null,
      confidence: isReady ? confidence : null,
      uncertain: isReady && image.uncertain,
      doubts: isReady ? image.doubts : [],
      probabilities:
        isReady && image.probabilities ? image.probabilities.map((p) => roundTo(p, 4)) : null,
      error: image.errorCode
        ? { code: image.errorCode, message: image.errorMessage ?? image.errorCode }
        : null,
    };
  }
}

function checkTaskId(id: string): void {
  if (!UUID.test(id)) {
    throw new LensqError(
      'invalid-task-id',
      `"${id.slice(0, 80)}" is not a task id; task ids are UUIDs as returned in result_id`,
    );
  }
}

/** The task as found, or the error a client gets when it is not there or has expired. */
function visibleTask<T extends TaskState>(id: string, task: T | null): T {
  if (!task) {
    throw new LensqError(
      'task-not-found',
      `No task ${id}; it may never have existed or have been deleted`,
    );
  }
  if (task.status === PredictionTaskStatus.Expired) {
    throw new LensqError(
      'task-expired',
      `Task ${id} finished on ${task.finishedAt?.toISOString()} and its results have expired`,
    );
  }
  return task;
}

function encodeCursor(task: PredictionTask): string {
  return Buffer.from(`${task.createdAt.toISOString()}|${task.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time);
  if (Number.isNaN(createdAt.getTime()) || !UUID.test(id ?? '')) {
    throw new LensqError(
      'invalid-request',
      'cursor must be a next_cursor value from a previous page',
    );
  }
  return { createdAt, id };
}

function readIdempotencyKey(req: Request): string | null {
  const key = req.header('idempotency-key');
  if (key === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new LensqError(
      'invalid-request',
      'Idempotency-Key must be 1-255 printable ASCII characters without spaces, such as a UUID',
    );
  }
  return key;
}

/** Identifies an upload by its files' names and bytes, in order. */
function hashFiles(files: ReceivedFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.filename}\0${file.bytes.length}\0`);
    hash.update(file.bytes);
  }
  return hash.digest('hex');
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
