import { ArgumentMetadata } from '@nestjs/common';

import { GetPredictionTaskQueryDto } from '../tasks/dto/get-prediction-task-query.dto';
import { ListPredictionTasksQueryDto } from '../tasks/dto/list-prediction-tasks-query.dto';
import { LensqError } from './lensq-error';
import { RequestValidationPipe } from './request-validation.pipe';

function queryOf(metatype: ArgumentMetadata['metatype']): ArgumentMetadata {
  return { type: 'query', metatype };
}

async function refusal(value: object, metadata: ArgumentMetadata): Promise<LensqError> {
  const sut = new RequestValidationPipe();

  const error: unknown = await sut.transform(value, metadata).then(
    () => undefined,
    (reason: unknown) => reason,
  );

  expect(error).toBeInstanceOf(LensqError);
  return error as LensqError;
}

describe(RequestValidationPipe.name, () => {
  it('should say once what a value breaking several rules with one message is wrong about', async () => {
    const error = await refusal({ limit: 'abc' }, queryOf(ListPredictionTasksQueryDto));

    expect(error.code).toBe('invalid-request');
    expect(error.message).toBe('limit must be an integer from 1 to 100');
  });

  it('should say that wait is a whole number of seconds, once', async () => {
    const error = await refusal({ wait: '2.5' }, queryOf(GetPredictionTaskQueryDto));

    expect(error.message).toBe('wait must be a whole number of seconds from 0 to 30');
  });

  it('should name an unknown query parameter and list the accepted ones', async () => {
    const error = await refusal({ foo: '1' }, queryOf(ListPredictionTasksQueryDto));

    expect(error.message).toBe(
      "Unknown query parameter 'foo'; accepted: status, created_after, created_before, limit, cursor",
    );
  });

  it('should keep distinct problems of several properties', async () => {
    const error = await refusal(
      { limit: '0', status: 'done' },
      queryOf(ListPredictionTasksQueryDto),
    );

    expect(error.message).toBe(
      'status must be one of queued, active, completed, failed, cancelled, expired; limit must be an integer from 1 to 100',
    );
  });

  it('should pass and convert valid values', async () => {
    const sut = new RequestValidationPipe();

    const dto = (await sut.transform(
      { limit: '5' },
      queryOf(ListPredictionTasksQueryDto),
    )) as ListPredictionTasksQueryDto;

    expect(dto.limit).toBe(5);
  });
});
