import { ApiProperty } from '@nestjs/swagger';

import { PredictionTaskResponseDto } from './prediction-task-response.dto';

/** One page of task history, newest first. */
export class PredictionTaskPageDto {
  @ApiProperty({ type: [PredictionTaskResponseDto] })
  tasks!: PredictionTaskResponseDto[];

  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: null })
  next_cursor!: string | null;
}
