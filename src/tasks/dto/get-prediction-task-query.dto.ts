import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class GetPredictionTaskQueryDto {
  /** `input` adds each image's 28x28 model input ("what the model saw") as a PNG data URI. */
  @ApiPropertyOptional({ enum: ['input'], example: 'input' })
  @IsOptional()
  @IsIn(['input'], { message: 'include accepts only "input"' })
  include?: 'input';
}
