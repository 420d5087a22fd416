import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiGoneResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiSecurity,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { API_KEY_SECURITY } from '../access/access.constants';
import { ApiKeyGuard } from '../access/api-key.guard';
import { RateLimitGuard } from '../access/rate-limit.guard';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CurrentRequester, Requester } from '../common/requester.decorator';
import { CreatePredictionTaskResponseDto } from './dto/create-prediction-task-response.dto';
import { GetPredictionTaskQueryDto } from './dto/get-prediction-task-query.dto';
import { ListPredictionTasksQueryDto } from './dto/list-prediction-tasks-query.dto';
import { PredictionTaskPageDto } from './dto/prediction-task-page.dto';
import { PredictionTaskResponseDto } from './dto/prediction-task-response.dto';
import { TasksService } from './tasks.service';
import { IMAGES_FIELD } from './upload/multipart-image-upload.parser';

@ApiTags('tasks')
@ApiSecurity(API_KEY_SECURITY)
@ApiUnauthorizedResponse({
  type: ErrorResponseDto,
  description: 'API keys are enabled and none or a wrong one was sent',
})
@ApiTooManyRequestsResponse({
  type: ErrorResponseDto,
  description: 'Rate limit reached; retry after Retry-After seconds',
})
@UseGuards(ApiKeyGuard, RateLimitGuard)
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
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Sending the same key with the same files again returns the same task instead of a new one',
  })
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
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description: 'The Idempotency-Key was used for a different upload',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'The task store is down; retry after Retry-After seconds',
  })
  async predict(
    @Req() req: Request,
    @CurrentRequester() requester: Requester,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CreatePredictionTaskResponseDto> {
    const { id, isReplay } = await this.tasks.submit(req, requester);
    res.setHeader('Location', `/tasks/result/${id}`);
    if (isReplay) res.setHeader('Idempotent-Replayed', 'true');
    return { result_id: id };
  }

  @Get()
  @ApiOperation({
    summary: 'Task history, newest first',
    description:
      'Filter by status and creation time; page with `limit` and the `next_cursor` of the previous page.',
  })
  @ApiOkResponse({ type: PredictionTaskPageDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'A filter or the cursor is malformed',
  })
  async list(
    @Query() query: ListPredictionTasksQueryDto,
    @CurrentRequester() requester: Requester,
  ): Promise<PredictionTaskPageDto> {
    return this.tasks.list(query, requester);
  }

  @Get('result/:id')
  @ApiOperation({
    summary: 'The outcome of a task',
    description:
      '`ready` turns true when the task is completed, failed or cancelled; `value` then lists the digit of each image. ' +
      'With `wait`, an unfinished task is answered as soon as it finishes (or when the wait is over), ' +
      'so one request replaces a polling loop.',
  })
  @ApiOkResponse({ type: PredictionTaskResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'The id is not a UUID, or a query parameter is wrong: `wait` not a whole number of seconds from 0 to 30, `include` not `input`, or one lensq does not know',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such task' })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description: 'The task finished long ago and its results expired',
  })
  async result(
    @Param('id') id: string,
    @Query() query: GetPredictionTaskQueryDto,
    @CurrentRequester() requester: Requester,
  ): Promise<PredictionTaskResponseDto> {
    return this.tasks.getResult(id, requester, {
      isInputIncluded: query.include === 'input',
      waitSeconds: query.wait,
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Cancel a task that has not started, or delete a finished one',
    description:
      'A cancelled task stays readable with status `cancelled`; a deleted one answers 404.',
  })
  @ApiNoContentResponse({ description: 'Cancelled or deleted' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such task' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The task is being processed' })
  @ApiGoneResponse({ type: ErrorResponseDto, description: 'The task expired' })
  async remove(@Param('id') id: string, @CurrentRequester() requester: Requester): Promise<void> {
    await this.tasks.cancelOrDelete(id, requester);
  }
}
