import { HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

import { DatabaseHealthIndicator } from './database.health';

function setup(query: jest.Mock) {
  const sut = new DatabaseHealthIndicator(
    { query } as unknown as DataSource,
    new HealthIndicatorService(),
  );
  return { sut };
}

describe(DatabaseHealthIndicator.name, () => {
  it('should be up when SELECT 1 answers', async () => {
    const query = jest.fn().mockResolvedValue([{ '?column?': 1 }]);
    const { sut } = setup(query);

    const result = await sut.isHealthy('database');

    expect(query).toHaveBeenCalledWith('SELECT 1');
    expect(result.database).toMatchObject({ status: 'up', response_ms: expect.any(Number) });
  });

  it('should be down with the reason when Postgres refuses', async () => {
    const { sut } = setup(jest.fn().mockRejectedValue(new Error('connect ECONNREFUSED')));

    const result = await sut.isHealthy('database');

    expect(result.database).toEqual({ status: 'down', message: 'connect ECONNREFUSED' });
  });

  it('should be down after a second when Postgres does not answer', async () => {
    jest.useFakeTimers();
    const { sut } = setup(jest.fn().mockReturnValue(new Promise(() => undefined)));

    const checking = sut.isHealthy('database');
    await jest.advanceTimersByTimeAsync(1000);
    const result = await checking;
    jest.useRealTimers();

    expect(result.database).toEqual({
      status: 'down',
      message: 'Postgres SELECT 1: no answer in 1000 ms',
    });
  });
});
