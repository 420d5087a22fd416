import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Longest long-poll, in seconds: below the usual 60 s idle timeout of proxies. */
export const MAX_RESULT_WAIT_SECONDS = 30;

const WAIT_MESSAGE = `wait must be a whole number of seconds from 0 to ${MAX_RESULT_WAIT_SECONDS}`;

export class GetPredictionTaskQueryDto {
  /** `input` adds each image's 28x28 model input ("what the model saw") as a PNG data URI. */
  @ApiPropertyOptional({ enum: ['input'], example: 'input' })
  @IsOptional()
  @IsIn(['input'], { message: 'include accepts only "input"' })
  include?: 'input';

  /**
   * Long-polling: when the task is not finished yet, hold the answer until it is or until
   * this many seconds have passed, then answer as usual (check `ready`). Default 0: answer
   * at once.
   */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_RESULT_WAIT_SECONDS,
    default: 0,
    example: 5,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: WAIT_MESSAGE })
  @Min(0, { message: WAIT_MESSAGE })
  @Max(MAX_RESULT_WAIT_SECONDS, { message: WAIT_MESSAGE })
  wait?: number;
}
