import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsEnum, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

import { PredictionTaskStatus } from '../../persistence/prediction-task.entity';

export class ListPredictionTasksQueryDto {
  /** Only tasks in this status. */
  @ApiPropertyOptional({ enum: PredictionTaskStatus, enumName: 'PredictionTaskStatus' })
  @IsOptional()
  @IsEnum(PredictionTaskStatus, {
    message: `status must be one of ${Object.values(PredictionTaskStatus).join(', ')}`,
  })
  status?: PredictionTaskStatus;

  /** Only tasks created at or after this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsDateString({}, { message: 'created_after must be an ISO 8601 date-time' })
  created_after?: string;

  /** Only tasks created before this time (ISO 8601). */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-31T00:00:00Z' })
  @IsOptional()
  @IsDateString({}, { message: 'created_before must be an ISO 8601 date-time' })
  created_before?: string;

  /** Tasks per page, 1-100. Default 20. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit?: number;

  /** `next_cursor` of the previous page. */
  @ApiPropertyOptional({ example: 'MjAyNi0xMi0wNFQxNzoyNTozMS4xMjNafDNmMWMy' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, {
    message: 'cursor must be a next_cursor value from a previous page',
  })
  cursor?: string;
}
