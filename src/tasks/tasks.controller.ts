import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { ErrorResponseDto } from '../common/error-response.dto';
import { CreatePredictionTaskResponseDto } from './dto/create-prediction-task-response.dto';
import { GetPredictionTaskQueryDto } from './dto/get-prediction-task-query.dto';
import { PredictionTaskResponseDto } from './dto/prediction-task-response.dto';
import { TasksService } from './tasks.service';
import { IMAGES_FIELD } from './upload/multipart-image-upload.parser';

@ApiTags('tasks')
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post('predict')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Read the digit in each of one or more images',
    description:
      'Accepts PNG, JPEG, WebP, GIF, BMP or TIFF files (the format is read from the bytes) in the ' +
      'multipart field `images`, stores them and queues a task. Answers at once with the task id; ' +
      'poll the result URL in the Location header.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [IMAGES_FIELD],
      properties: {
        [IMAGES_FIELD]: { type: 'array', items: { type: 'string', format: 'binary' } },
      },
    },
  })
  @ApiAcceptedResponse({
    type: CreatePredictionTaskResponseDto,
    description: 'Task accepted',
    headers: { Location: { description: 'URL of the result', schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'No images, unexpected fields, or empty or corrupt files',
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorResponseDto,
    description: 'Too many files, a file or the body too large, or an image with too many pixels',
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorResponseDto,
    description: 'A file is not a supported image format',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'The task store is down; retry after Retry-After seconds',
  })
  async predict(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreatePredictionTaskResponseDto> {
    const id = await this.tasks.submit(req);
    res.setHeader('Location', `/tasks/result/${id}`);
    return { result_id: id };
  }

  @Get('result/:id')
  @ApiOperation({
    summary: 'The outcome of a task',
    description:
      '`ready` turns true when the task is completed or failed; `value` then lists the digit of each image.',
  })
  @ApiOkResponse({ type: PredictionTaskResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such task' })
  async result(
    @Param('id') id: string,
    @Query() query: GetPredictionTaskQueryDto,
  ): Promise<PredictionTaskResponseDto> {
    return this.tasks.getResult(id, { isInputIncluded: query.include === 'input' });
  }
}
