import { Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';

import { ImageRejectedError } from '../../libs/imaging/image-rejected-error';
import { inspectImage } from '../../libs/imaging/inspect-image';
import { AppConfigService } from '../config/app-config.service';
import { ErrorCode, FileProblem, LensqError } from '../common/lensq-error';
import { PredictionTaskImage } from '../persistence/prediction-task-image.entity';
import { PredictionTask, PredictionTaskStatus } from '../persistence/prediction-task.entity';
import { NewTaskImage, PredictionTaskRepository } from '../persistence/prediction-task.repository';
import { PredictionDispatcher } from '../queue/prediction-dispatcher.service';
import { ImagePredictionDto } from './dto/image-prediction.dto';
import { PredictionTaskResponseDto } from './dto/prediction-task-response.dto';
import { parseImageUpload, ReceivedFile } from './upload/multipart-image-upload.parser';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// When several files are bad, the answer's status is that of the most serious problem.
const STATUS_PRIORITY: ErrorCode[] = [
  'too-many-pixels',
  'unsupported-format',
  'corrupt-image',
  'empty-file',
];

/** Accepts uploads as tasks and answers their outcome. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly config: AppConfigService,
    private readonly tasks: PredictionTaskRepository,
    private readonly dispatcher: PredictionDispatcher,
  ) {}

  /** Validates the upload, stores it, and hands it to the workers. Returns the task id. */
  async submit(req: Request): Promise<string> {
    const files = await parseImageUpload(req, this.config.uploadLimits);

    const images = await this.inspectAll(files);

    const id = randomUUID();
    await this.store(id, images);

    const isDispatched = await this.dispatcher.dispatch(id);
    this.logger.log(
      `Task ${id} accepted: ${images.length} image(s)${isDispatched ? '' : ', dispatch deferred'}`,
    );
    return id;
  }

  async getResult(
    id: string,
    options = { isInputIncluded: false },
  ): Promise<PredictionTaskResponseDto> {
    if (!UUID.test(id)) {
      throw new LensqError(
        'invalid-task-id',
        `"${id.slice(0, 80)}" is not a task id; task ids are UUIDs as returned in result_id`,
      );
    }

    const task = await this.withDatabase(() => this.tasks.findWithImages(id.toLowerCase()));
    if (!task) {
      throw new LensqError(
        'task-not-found',
        `No task ${id}; it may never have existed or have been deleted`,
      );
    }

    const response = this.toResponse(task);
    if (options.isInputIncluded) {
      const previews = await this.withDatabase(() => this.tasks.findInputPreviews(task.id));
      for (const image of response.images) {
        const png = previews.get(image.index);
        if (png) image.input = `data:image/png;base64,${png.toString('base64')}`;
      }
    }
    return response;
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

  private async store(id: string, images: NewTaskImage[]): Promise<void> {
    await this.withDatabase(() => this.tasks.createTask(id, images));
  }

  /** Turns an unreachable database into a 503 the client can retry, never a 500 or a hang. */
  private async withDatabase<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof QueryFailedError) throw error;
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
    const isReady =
      task.status === PredictionTaskStatus.Completed || task.status === PredictionTaskStatus.Failed;
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
      uncertain: isReady && confidence !== null && confidence < this.config.uncertainBelow,
      probabilities:
        isReady && image.probabilities ? image.probabilities.map((p) => roundTo(p, 4)) : null,
      error: image.errorCode
        ? { code: image.errorCode, message: image.errorMessage ?? image.errorCode }
        : null,
    };
  }
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
