import { ApiProperty } from '@nestjs/swagger';

export class CreatePredictionTaskResponseDto {
  /** Id of the task; poll GET /tasks/result/{result_id} for its outcome. */
  @ApiProperty({ format: 'uuid', example: '3f1c2b9e-8a4d-4f7e-9b1a-2c5d6e7f8a9b' })
  result_id!: string;
}
