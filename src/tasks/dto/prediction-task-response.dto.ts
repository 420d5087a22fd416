import { ApiProperty } from '@nestjs/swagger';

import { PredictionTaskStatus } from '../../persistence/prediction-task.entity';
import { ImagePredictionDto } from './image-prediction.dto';

export class TaskTimingsDto {
  @ApiProperty({ example: 3 })
  queue_wait_ms!: number;

  @ApiProperty({ example: 12 })
  decode_ms!: number;

  @ApiProperty({ example: 2 })
  inference_ms!: number;

  @ApiProperty({ example: 16 })
  total_ms!: number;
}

/**
 * The outcome of a task. `ready`, `successful` and `value` keep the first service's
 * contract; the rest adds what clients need.
 */
export class PredictionTaskResponseDto {
  @ApiProperty({ format: 'uuid', example: '3f1c2b9e-8a4d-4f7e-9b1a-2c5d6e7f8a9b' })
  result_id!: string;

  /** True once the task is completed, failed or cancelled. */
  @ApiProperty({ example: true })
  ready!: boolean;

  /** Null until ready; then whether the task completed. */
  @ApiProperty({ type: Boolean, nullable: true, example: true })
  successful!: boolean | null;

  /**
   * Null until ready; then the digit of each image in upload order, null for an image without
   * one (see `images[].error`: blank-image, not-a-digit, corrupt-image). Uncertain digits are
   * listed too: check `images[].uncertain`.
   */
  @ApiProperty({
    type: 'array',
    items: { type: 'string', nullable: true },
    nullable: true,
    example: ['7', '3'],
  })
  value!: Array<string | null> | null;

  @ApiProperty({
    enum: PredictionTaskStatus,
    enumName: 'PredictionTaskStatus',
    example: 'completed',
  })
  status!: PredictionTaskStatus;

  /** One entry per uploaded image, in upload order; predictions are null until ready. */
  @ApiProperty({ type: [ImagePredictionDto] })
  images!: ImagePredictionDto[];

  /** Why the task failed as a whole, if it did. */
  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_at!: string | null;

  /** Version of the model that read the images. */
  @ApiProperty({ type: String, nullable: true, example: 'lensq-cnn-1' })
  model_version!: string | null;

  @ApiProperty({ type: TaskTimingsDto, nullable: true })
  timings!: TaskTimingsDto | null;
}
